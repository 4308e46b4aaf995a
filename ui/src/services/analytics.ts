// The dashboards (issue 5). The shell passes the core's JSON through as `onecard dashboard --json`
// prints it, so the shapes are typed here by hand (no ts-rs types on the Rust side). Figures arrive
// as decimal strings (money "1234.56", ratios "0.4500") or integers, null when undefined for the
// period; formatting below never does arithmetic on money.
import { Channel } from '@tauri-apps/api/core';
import type { Exported, JobProgress } from '../bindings';
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

/** What the filters and the forecast pick from: the user's view (the core's `dashboard_catalog`). */
export interface DashboardCatalog {
  regions: string[];
  malls: { code: string; name: string; region: string; city_tier: number }[];
  merchants: { id: number; mall: string; name: string; category: string }[];
  categories: string[];
}

export function dashboardCatalog(): Promise<DashboardCatalog> {
  return call<DashboardCatalog>('dashboard_catalog');
}

/** The malls a mall select offers: those of the chosen region, or all of them. */
export function mallsOfRegion(catalog: DashboardCatalog | undefined, region: string | undefined): DashboardCatalog['malls'] {
  const malls = catalog?.malls ?? [];
  return region === undefined || region === '' ? malls : malls.filter((m) => m.region === region);
}

/** What a forecast is of: one merchant, or a category (optionally in one mall). */
export type ForecastSubject = { merchant: number } | { category: string; mall?: string };

export interface ForecastWeek {
  week_start: string;
  sales: string;
}

export interface Reorder {
  lead_days: number;
  cost_ratio: string;
  demand_at_cost: string;
  safety_stock: string;
  stock_on_hand: string;
  reorder_at_cost: string;
  merchants_counted?: number[];
  merchants_without_inventory?: number[];
}

/** `onecard forecast --json`: the same object for a merchant and for a category. */
export interface Forecast {
  merchant: number | null;
  name?: string;
  mall: string | null;
  category: string;
  merchants?: number[];
  method: 'holt_winters_additive' | 'seasonal_naive_drift';
  weeks: number;
  history_days: number;
  history_from: string | null;
  history_to: string | null;
  history: ForecastWeek[];
  forecast: ForecastWeek[];
  backtest_mape: string | null;
  reorder: Reorder | null;
  reorder_reason: 'no_merchants' | 'no_inventory' | null;
}

/** The command arguments of a forecast, unset parts sent as null. */
export function forecastArgs(subject: ForecastSubject, weeks: number, leadDays?: number): Record<string, string | number | null> {
  const base = { weeks, lead_days: leadDays ?? null };
  if ('merchant' in subject) return { ...base, merchant: subject.merchant, category: null, mall: null };
  const mall = subject.mall === undefined || subject.mall.trim() === '' ? null : subject.mall.trim();
  return { ...base, merchant: null, category: subject.category, mall };
}

export function forecast(subject: ForecastSubject, weeks: number, leadDays?: number): Promise<Forecast> {
  return call<Forecast>('forecast', forecastArgs(subject, weeks, leadDays));
}

/** The forecast's chart as SVG text, drawn by the core (`onecard forecast --chart`). */
export function forecastChart(subject: ForecastSubject, weeks: number, leadDays?: number): Promise<string> {
  return call<string>('forecast_chart', forecastArgs(subject, weeks, leadDays));
}

export function forecastExport(
  subject: ForecastSubject,
  weeks: number,
  format: ExportFileFormat,
  path: string,
  leadDays?: number,
): Promise<Exported> {
  return call<Exported>('forecast_export', { ...forecastArgs(subject, weeks, leadDays), format, path });
}

/** The kinds `onecard import KIND FILE` takes (README "Import formats"). */
export const IMPORT_KINDS = ['sales', 'footfall', 'marketing', 'members', 'inventory'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

export interface Imported {
  import_id: number;
  kind: ImportKind;
  file: string;
  rows: number;
  card_rows: number;
}

export interface BadRow {
  line: number;
  column: string;
  reason: string;
}

/** What an import answers: written, or refused with every bad row (nothing written). */
export type ImportOutcome = { imported: Imported } | { error: { code: string; message: string; rows: BadRow[] } };

/** A row of the `imports` table. */
export interface ImportRecord {
  import_id: number;
  kind: string;
  file: string;
  rows: number;
  actor: string;
  imported_at: string;
}

/** Runs an import, reporting its stages on `onProgress`; `jobCancel(job)` stops it before it commits. */
export function importRun(kind: ImportKind, path: string, job: string, onProgress: (progress: JobProgress) => void): Promise<ImportOutcome> {
  const channel = new Channel<JobProgress>();
  channel.onmessage = onProgress;
  return call<ImportOutcome>('import_run', { kind, path: path.trim(), job, on_progress: channel });
}

export function importList(limit = 100): Promise<ImportRecord[]> {
  return call<ImportRecord[]>('import_list', { limit });
}

/**
 * The percentage a progress bar shows: reading and checking fill the first half, writing the
 * second, committed is 100; counts within a stage move the bar along.
 */
export function importPercent(progress: JobProgress | null): number {
  if (progress === null) return 0;
  const within = progress.total === 0 ? 1 : Math.min(1, progress.done / progress.total);
  switch (progress.stage) {
    case 'reading':
      return Math.floor(within * 10);
    case 'checking':
      return 10 + Math.floor(within * 40);
    case 'writing':
      return 50 + Math.floor(within * 49);
    case 'committed':
      return 100;
    default:
      return 0;
  }
}

/** A file name's extension decides CSV or XLSX in the core; anything else cannot be imported. */
export function importableFile(path: string): boolean {
  return /\.(csv|xlsx)$/i.test(path.trim());
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
