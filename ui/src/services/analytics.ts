// The dashboards (issue 5). The shell passes the core's JSON through as `onecard dashboard --json`
// prints it, so the shapes are typed here by hand (no ts-rs types on the Rust side). Figures arrive
// as decimal strings (money "1234.56", ratios "0.4500") or integers, null when undefined for the
// period; formatting below never does arithmetic on money.
import type { Exported } from '../bindings';
import { call } from './ipc';

export const DASHBOARDS = ['compare', 'card-types', 'merchants', 'regions'] as const;
export type DashboardKind = (typeof DASHBOARDS)[number];

export const MODES = ['traditional', 'card', 'ecommerce'] as const;
export type Mode = (typeof MODES)[number];

export type ExportFileFormat = 'xlsx' | 'csv';

/** A dashboard's period and scope; empty strings and undefined both mean "not set". */
export interface DashboardFilter {
  from?: string;
  to?: string;
  region?: string;
  mall?: string;
}

/** A reference value from DOMAIN.md: one figure or an inclusive [low, high] range. */
export type Reference = string | number | [string | number, string | number];

/** One mode's figures in `compare` and `regions`. */
export interface ModeFigures {
  malls: number;
  mall_days: number;
  footfall: number;
  footfall_per_mall: number | null;
  avg_ticket: string | null;
  repurchase_rate: string | null;
  member_conversion: string | null;
  marketing_cost_share: string | null;
  marketing_spend: string;
  sales: string;
  transactions: number;
  reference: Partial<Record<string, Reference>>;
}

export interface Uplift {
  avg_ticket: string | null;
  repurchase_rate: string | null;
  reference: Partial<Record<string, Reference>>;
}

export interface CompareDashboard {
  from: string;
  to: string;
  modes: Record<Mode, ModeFigures>;
  uplift: Uplift;
}

export interface RegionsDashboard {
  from: string;
  to: string;
  tiers: { tier: number; malls: string[]; strategy: string; strategy_zh: string; modes: Record<Mode, ModeFigures>; uplift: Uplift }[];
  regions: { region: string; tiers: number[]; malls: string[]; modes: Record<Mode, ModeFigures>; uplift: Uplift }[];
}

export interface MerchantSide {
  transactions?: number;
  checkout_seconds: string | null;
  return_rate: string | null;
  marketing_reach: string | null;
  inventory_days: string | null;
}

export interface MerchantsDashboard {
  from: string;
  to: string;
  summary: { before: MerchantSide; after: MerchantSide; change: MerchantSide };
  merchants: {
    merchant: number;
    mall: string;
    name: string;
    category: string;
    adopted_in_period: boolean;
    before: MerchantSide;
    after: MerchantSide;
    change: MerchantSide;
  }[];
  reference: Record<string, { before: Reference; after: Reference; change: Reference }>;
}

export interface CardTypeFigures {
  transactions: number;
  amount: string;
  avg_ticket: string | null;
  weekend_share: string | null;
  weekday_lunch_share: string | null;
  heatmap: number[][];
  categories: { category: string; transactions: number; amount: string; share: string | null }[];
  tickets: { from: string; to: string | null; transactions: number }[];
  reference: { when: string; categories: string[]; ticket: Reference };
}

export interface CardTypesDashboard {
  from: string;
  to: string;
  weekdays: string[];
  types: Record<'physical' | 'virtual' | 'cobrand', CardTypeFigures>;
}

export interface DashboardData {
  compare: CompareDashboard;
  'card-types': CardTypesDashboard;
  merchants: MerchantsDashboard;
  regions: RegionsDashboard;
}

/** The arguments every dashboard command takes, with unset filters sent as null. */
export function filterArgs(kind: DashboardKind, filter: DashboardFilter): Record<string, string | null> {
  const set = (v: string | undefined) => (v === undefined || v.trim() === '' ? null : v.trim());
  return { kind, from: set(filter.from), to: set(filter.to), region: set(filter.region), mall: set(filter.mall) };
}

export function dashboard<K extends DashboardKind>(kind: K, filter: DashboardFilter): Promise<DashboardData[K]> {
  return call<DashboardData[K]>('dashboard', filterArgs(kind, filter));
}

/** The chart as SVG text, drawn by the core (the same picture as `onecard chart`). */
export function dashboardChart(kind: DashboardKind, filter: DashboardFilter): Promise<string> {
  return call<string>('dashboard_chart', filterArgs(kind, filter));
}

export function dashboardExport(
  kind: DashboardKind,
  format: ExportFileFormat,
  path: string,
  filter: DashboardFilter,
): Promise<Exported> {
  return call<Exported>('dashboard_export', { ...filterArgs(kind, filter), format, path });
}

export function forecast(merchant: number, weeks: number): Promise<Record<string, unknown>> {
  return call<Record<string, unknown>>('forecast', { merchant, weeks, lead_days: null });
}

/** Path with the format's extension (the shell enforces it too; shown so the user sees it). */
export function withExtension(path: string, format: ExportFileFormat): string {
  const p = path.trim();
  if (p === '') return p;
  const dot = p.lastIndexOf('.');
  const slash = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  const stem = dot > slash + 1 ? p.slice(0, dot) : p;
  return `${stem}.${format}`;
}

/**
 * A ratio string ("0.4500") as a percentage ("45.00%") by moving the decimal point in the
 * text, so no float rounding ever changes what the core computed. null/undefined -> "-".
 */
export function formatRatio(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return '-';
  const text = String(value).trim();
  const m = /^(-?)(\d+)(?:\.(\d*))?$/.exec(text);
  if (m === null) return text;
  const [, sign, int, frac = ''] = m;
  const digits = (frac + '00').slice(0, 2);
  const rest = frac.slice(2);
  const whole = String(Number(`${int}${digits}`));
  return `${sign}${whole}${rest === '' ? '' : `.${rest}`}%`;
}

/** A reference (one value or a range) for display, with `format` applied to each end. */
export function formatReference(ref: Reference | undefined, format: (v: string | number) => string = String): string {
  if (ref === undefined || ref === null) return '-';
  if (Array.isArray(ref)) return `${format(ref[0])} – ${format(ref[1])}`;
  return format(ref);
}

/** A figure as shown: ratios as percentages, the rest as sent; null -> "-". */
export function formatFigure(key: string, value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '-';
  if (RATIO_KEYS.has(key)) return formatRatio(value);
  return String(value);
}

/** The figures that are ratios (sent as "0.4500"). */
export const RATIO_KEYS: ReadonlySet<string> = new Set([
  'repurchase_rate',
  'member_conversion',
  'marketing_cost_share',
  'return_rate',
  'marketing_reach',
  'share',
  'weekend_share',
  'weekday_lunch_share',
  'change',
  'uplift',
]);
