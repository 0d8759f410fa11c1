// Desks subgraph resolvers: no I/O here, only loaders.
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper/index.js';
import type { CallerContext } from '../shared/trust.js';
import { DateScalar, YearMonthScalar } from '../shared/scalars.js';
import { checkMonthRange } from '../shared/ranges.js';
import type { DeskLoaders, ProtectedDeskActivity } from './loaders.js';
import type { Comune, Desk, DeskKind, DeskService, HostOrganization } from './model.js';

export interface DesksContext extends CallerContext {
  loaders: DeskLoaders;
}

/** Longest month range an activity query may ask for (five years, the framework agreement). */
export const MAX_ACTIVITY_MONTHS = 60;

export const resolvers: GraphQLResolverMap<DesksContext> = {
  Date: DateScalar,
  YearMonth: YearMonthScalar,
  Query: {
    desks: async (
      _: unknown,
      args: { kind?: DeskKind | null; comune?: string | null; includeClosed?: boolean | null },
      ctx: DesksContext,
    ) =>
      (await ctx.loaders.registry()).desks.filter(
        (d) =>
          (!args.kind || d.kind === args.kind) &&
          (!args.comune || d.comuneIstat === args.comune) &&
          (args.includeClosed !== false || d.closedOn === null),
      ),
    desk: (_: unknown, { id }: { id: string }, ctx: DesksContext) => ctx.loaders.deskById.load(id),
    comuni: (_: unknown, __: unknown, ctx: DesksContext) => ctx.loaders.comuni(),
    comune: (_: unknown, { istatCode }: { istatCode: string }, ctx: DesksContext) =>
      ctx.loaders.comuneByIstatCode.load(istatCode),
    hostOrganizations: async (_: unknown, __: unknown, ctx: DesksContext) =>
      (await ctx.loaders.registry()).hosts,
    deskActivity: async (
      _: unknown,
      args: { from: string; to: string; deskIds?: string[] | null; service?: DeskService | null },
      ctx: DesksContext,
    ) => {
      checkMonthRange(args.from, args.to, MAX_ACTIVITY_MONTHS);
      const deskIds = args.deskIds ?? (await ctx.loaders.registry()).desks.map((d) => d.id);
      const perDesk = await ctx.loaders.activityByDesk.loadMany(
        [...new Set(deskIds)].map((deskId) => ({
          deskId,
          from: args.from,
          to: args.to,
          service: args.service ?? null,
        })),
      );
      return perDesk.flatMap((rows) => {
        if (rows instanceof Error) throw rows;
        return rows;
      });
    },
  },
  Desk: {
    __resolveReference: (ref: { id: string }, ctx: DesksContext) =>
      ctx.loaders.deskById.load(ref.id),
    comune: (desk: Desk, _: unknown, ctx: DesksContext) =>
      ctx.loaders.comuneByIstatCode.load(desk.comuneIstat),
    host: (desk: Desk, _: unknown, ctx: DesksContext) =>
      desk.hostId ? ctx.loaders.hostById.load(desk.hostId) : null,
    activity: (
      desk: Desk,
      args: { from: string; to: string; service?: DeskService | null },
      ctx: DesksContext,
    ) => {
      checkMonthRange(args.from, args.to, MAX_ACTIVITY_MONTHS);
      return ctx.loaders.activityByDesk.load({
        deskId: desk.id,
        from: args.from,
        to: args.to,
        service: args.service ?? null,
      });
    },
  },
  DeskActivity: {
    count: (row: ProtectedDeskActivity) => (row.suppressed ? null : row.count),
    desk: (row: { deskId: string }, _: unknown, ctx: DesksContext) =>
      ctx.loaders.deskById.load(row.deskId),
  },
  HostOrganization: {
    desks: async (host: HostOrganization, _: unknown, ctx: DesksContext) =>
      (await ctx.loaders.registry()).desks.filter((d) => d.hostId === host.id),
  },
  Comune: {
    __resolveReference: (ref: { istatCode: string }, ctx: DesksContext) =>
      ctx.loaders.comuneByIstatCode.load(ref.istatCode),
    desks: async (comune: Comune, _: unknown, ctx: DesksContext) =>
      (await ctx.loaders.registry()).desks.filter((d) => d.comuneIstat === comune.istatCode),
  },
};
