// Merchants and the clearing center (src-tauri/src/commands/clearing.rs). The commands answer the
// core's JSON as the `onecard` CLI prints it (README-CLEARING.md); the shapes are typed here by hand
// because they are serde_json values on the Rust side, not ts-rs bindings. Money is a decimal
// string ("123.45"), rates are integer basis points, never floats.
import { Channel } from '@tauri-apps/api/core';
import type { JobProgress } from '../bindings';
import { compareAmounts, fromFen, toFen } from '../utils/money';
import { call } from './ipc';

export const MERCHANT_STATUSES = [
  'applied',
  'submitted',
  'approved',
  'rejected',
  'contracted',
  'active',
  'suspended',
  'terminated',
] as const;
export type MerchantStatus = (typeof MERCHANT_STATUSES)[number];

export interface MerchantRow {
  merchant: number;
  mall: string;
  region: string;
  name: string;
  category: string;
  status: MerchantStatus;
  account_manager: string | null;
  fee_bps: number | null;
  grade: string | null;
}

export interface MerchantEvent {
  from: string;
  to: string;
  actor: string;
  reason: string;
  at: string;
}

/** A contract rate change (`merchant contract`, or the rate a merchant was added with). */
export interface ContractChange {
  at: string;
  actor: string;
  /** The merchant's status when the contract was signed or changed. */
  status: string;
  /** The contract rate in force after this change (null: none, the category's rules apply). */
  fee_bps: number | null;
  /** Whether this change set the rate (false: it kept the rate, e.g. a new account). */
  changed: boolean;
  start: string | null;
  account: string | null;
}

/** A fee rule of the merchant's category: a base rate, or a promotion for some days. */
export interface CategoryFeeRule {
  rule: number;
  kind: 'base' | 'promotional';
  bps: number;
  from: string | null;
  to: string | null;
  at: string;
  by: string;
}

/** The rate really charged, per month and rate (from the rate stored with each purchase). */
export interface AppliedRate {
  month: string;
  fee_bps: number;
  purchases: number;
  amount: string;
  fees: string;
}

export interface FeeHistory {
  contracts: ContractChange[];
  category_rules: CategoryFeeRule[];
  applied: AppliedRate[];
}

/** One month's rating of a merchant (merchant_ratings). */
export interface RatingHistoryRow {
  month: string;
  score: number;
  grade: string;
  watch: boolean;
  support: boolean;
  sales: number;
  returns: number;
  complaints: number;
  disputes: number;
  checkout: number;
}

export interface MerchantDetail {
  merchant: number;
  mall: string;
  region: string;
  account_manager: string | null;
  name: string;
  category: string;
  status: MerchantStatus;
  fee_bps: number | null;
  credit_code: string | null;
  settlement_account: string | null;
  contract_start: string | null;
  grade: string | null;
  events: MerchantEvent[];
  fee_history?: FeeHistory;
  ratings?: RatingHistoryRow[];
}

/** What apply/submit/review/contract/status answer (at least). */
export interface MerchantChange {
  merchant: number;
  status: MerchantStatus;
  reason?: string;
}

export interface SettleSummary {
  date: string;
  batch_id: number;
  merchants: number;
  gross: string;
  refunds: string;
  fees: string;
  net: string;
  replayed: boolean;
  fee_issuer: string;
  fee_operator: string;
  payout: string;
}

/** What a catch-up settlement (`settle_range`) answers. */
export interface SettleRangeReport {
  /** First day of the range; null when there was nothing to settle at all. */
  from: string | null;
  to: string;
  /** One summary per day handled, in order (days settled before come back `replayed`). */
  days: SettleSummary[];
  settled: number;
  replayed: number;
  /** Stopped between days: `days` are settled and stay settled; `next_day` on are not. */
  cancelled: boolean;
  next_day: string | null;
}

export interface SettlementFigures {
  gross: string;
  refunds: string;
  fees: string;
  fee_issuer: string;
  fee_operator: string;
  net: string;
  carry_in: string;
  payout: string;
  carry_out: string;
}

export interface SettlementLine extends SettlementFigures {
  merchant: number;
  status: string;
}

export interface Settlement {
  date: string;
  batch_id: number;
  lines: SettlementLine[];
  totals: SettlementFigures;
}

export interface StatementFile {
  path?: string;
  rows?: number;
  [key: string]: unknown;
}

export interface PayoutChange {
  batch: number;
  merchant: number;
  status: string;
  amount: string;
  entry_id: number;
}

export interface ReserveDifference {
  item: string;
  bank: string | null;
  ledger: string;
  difference: string;
  note?: string;
}

export interface ReserveReport {
  date: string;
  custody_bank: string;
  custody_ledger: string;
  in_transit: string;
  card_balances: string;
  unsettled_payables: string;
  /** Four decimals ("0.9800"), null when nothing is owed. */
  coverage: string | null;
  alert: boolean;
  differences: ReserveDifference[];
}

export interface ChannelException {
  id: number;
  side: 'channel' | 'ledger' | string;
  channel: string;
  reference: string;
  amount: string;
  reason: string;
  resolved: boolean;
  note: string | null;
}

export interface ChannelReport {
  date: string;
  matched: number;
  drift_seconds: number;
  unmatched: ChannelException[];
}

export interface RatingRow {
  merchant: number;
  score: number;
  grade: string;
  watch: boolean;
  support: boolean;
  scores?: Record<string, number>;
  sales_amount?: string;
}

export interface Rating {
  month: string;
  merchants: RatingRow[];
  watch_list?: number;
  support_plan?: number;
}

export const STATEMENT_FORMATS = ['xlsx', 'csv', 'pdf'] as const;
export type StatementFormat = (typeof STATEMENT_FORMATS)[number];

export interface Credentials {
  credit_code: string;
  brand_auth: string;
  contact: string;
  settlement_account: string;
}

// ---- commands -------------------------------------------------------------------------------

export async function merchantDirectory(status?: string): Promise<MerchantRow[]> {
  const answer = await call<{ merchants: MerchantRow[] }>('merchant_directory', { status: status ?? null });
  return answer.merchants;
}

export function merchantShow(merchant: number): Promise<MerchantDetail> {
  return call<MerchantDetail>('merchant_show', { merchant });
}

export function merchantApply(mall: string, name: string, category: string, manager?: string): Promise<MerchantChange> {
  return call<MerchantChange>('merchant_apply', { mall, name, category, manager: blankToNull(manager) });
}

export function merchantSubmit(merchant: number, c: Credentials): Promise<MerchantChange> {
  return call<MerchantChange>('merchant_submit', { merchant, ...c });
}

export function merchantReview(merchant: number, approve: boolean, reason: string): Promise<MerchantChange> {
  return call<MerchantChange>('merchant_review', { merchant, approve, reason });
}

export function merchantContract(
  merchant: number,
  feeBps: number | null,
  settlementAccount?: string,
  start?: string,
): Promise<MerchantChange> {
  return call<MerchantChange>('merchant_contract', {
    merchant,
    fee_bps: feeBps,
    settlement_account: blankToNull(settlementAccount),
    start: blankToNull(start),
  });
}

export type StatusTarget = 'active' | 'suspended' | 'terminated';

export function merchantSetStatus(merchant: number, to: StatusTarget, reason: string): Promise<MerchantChange> {
  return call<MerchantChange>('merchant_set_status', { merchant, to, reason });
}

export function settle(date: string): Promise<SettleSummary> {
  return call<SettleSummary>('settle', { date });
}

/**
 * Settles every unsettled business day from `from` through `to` (empty: the day after the last
 * batch, yesterday), each day its own batch. `onProgress` gets (days done, days in all, stage) per
 * day; `jobCancel(job)` (services/cards) stops it between days.
 */
export function settleRange(
  from: string,
  to: string,
  job: string,
  onProgress: (progress: JobProgress) => void,
): Promise<SettleRangeReport> {
  const channel = new Channel<JobProgress>();
  channel.onmessage = onProgress;
  return call<SettleRangeReport>('settle_range', { from: blankToNull(from), to: blankToNull(to), job, on_progress: channel });
}

/** The reconciliation of the latest custody statement; null when none was imported yet. */
export function reserveLatest(): Promise<ReserveReport | null> {
  return call<ReserveReport | null>('reserve_latest');
}

export function settlementShow(date: string): Promise<Settlement> {
  return call<Settlement>('settlement_show', { date });
}

export function statementExport(merchant: number, date: string, format: StatementFormat, path: string): Promise<StatementFile> {
  return call<StatementFile>('statement_export', { merchant, date, format, path });
}

export function payoutMark(batch: number, merchant: number, paid: boolean): Promise<PayoutChange> {
  return call<PayoutChange>('payout_mark', { batch, merchant, paid });
}

export function reserveReconcile(date: string): Promise<ReserveReport> {
  return call<ReserveReport>('reserve_reconcile', { date });
}

export function channelReconcile(date: string): Promise<ChannelReport> {
  return call<ChannelReport>('channel_reconcile', { date });
}

export function channelResolve(id: number, note: string): Promise<{ id: number; resolved: boolean; note: string }> {
  return call('channel_resolve', { id, note });
}

export function ratingRun(month: string): Promise<Rating> {
  return call<Rating>('rating_run', { month });
}

export function ratingShow(month: string): Promise<Rating> {
  return call<Rating>('rating_show', { month });
}

// ---- pure helpers (tested in clearing.test.ts) ----------------------------------------------

function blankToNull(value: string | undefined | null): string | null {
  return value === undefined || value === null || value.trim() === '' ? null : value.trim();
}

/** The Ant Design tag colour of a merchant status. */
export function merchantStatusColor(status: string): string {
  switch (status) {
    case 'active':
      return 'green';
    case 'contracted':
    case 'approved':
      return 'blue';
    case 'submitted':
      return 'gold';
    case 'applied':
      return 'default';
    case 'suspended':
      return 'orange';
    case 'rejected':
    case 'terminated':
      return 'red';
    default:
      return 'default';
  }
}

/** The status changes a merchant in `status` can take (the core decides; this only hides buttons that could not work). */
export function statusTargets(status: string): StatusTarget[] {
  const out: StatusTarget[] = [];
  if (status === 'contracted' || status === 'suspended') out.push('active');
  if (status === 'active') out.push('suspended');
  if (status !== 'terminated') out.push('terminated');
  return out;
}

/** The next onboarding step of a merchant, or null once it is contracted or later. */
export function nextOnboardingStep(status: string): 'submit' | 'review' | 'contract' | null {
  switch (status) {
    case 'applied':
    case 'rejected':
      return 'submit';
    case 'submitted':
      return 'review';
    case 'approved':
      return 'contract';
    default:
      return null;
  }
}

/** Contracted, active and suspended merchants may change their contract. */
export function canChangeContract(status: string): boolean {
  return status === 'approved' || status === 'contracted' || status === 'active' || status === 'suspended';
}

/** Basis points as a percentage, exactly (no float): 60 -> "0.60%", 5 -> "0.05%", null -> "—". */
export function formatBps(bps: number | null | undefined): string {
  if (bps === null || bps === undefined || !Number.isInteger(bps)) return '—';
  const sign = bps < 0 ? '-' : '';
  const abs = Math.abs(bps);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}%`;
}

/** A coverage ratio ("0.9800") as a percentage with two places ("98.00%"), exactly; null -> "—". */
export function formatCoverage(coverage: string | null | undefined): string {
  if (coverage === null || coverage === undefined) return '—';
  const match = /^(-)?(\d+)(?:\.(\d{1,4}))?$/.exec(coverage.trim());
  if (match === null) return coverage;
  const digits = BigInt((match[2] ?? '0') + (match[3] ?? '').padEnd(4, '0')); // ten-thousandths
  return `${match[1] ?? ''}${digits / 100n}.${(digits % 100n).toString().padStart(2, '0')}%`;
}

/** Coverage below 100% (the reserve does not cover what is owed); null (nothing owed) is fine. */
export function coverageShort(coverage: string | null | undefined): boolean {
  if (coverage === null || coverage === undefined) return false;
  const match = /^(\d+)(?:\.(\d{1,4}))?$/.exec(coverage.trim());
  if (match === null) return coverage.trim().startsWith('-');
  return BigInt((match[1] ?? '0') + (match[2] ?? '').padEnd(4, '0')) < 10000n;
}

/** Tag colour of a rating grade. */
export function gradeColor(grade: string | null | undefined): string {
  switch (grade) {
    case 'A':
      return 'green';
    case 'B':
      return 'blue';
    case 'C':
      return 'orange';
    case 'D':
      return 'red';
    default:
      return 'default';
  }
}

/** Tag colour of a settlement line's payout status. */
export function payoutStatusColor(status: string): string {
  switch (status) {
    case 'paid':
      return 'green';
    case 'returned':
      return 'red';
    case 'pending':
      return 'gold';
    default:
      return 'default';
  }
}

/** A payout can be marked while the bank has not answered yet. */
export function canMarkPayout(line: SettlementLine): boolean {
  return line.status === 'pending' && compareAmounts(line.payout, '0') > 0;
}

/** Sum of decimal amounts in fen (for checks on screen); never a float. */
export function sumAmounts(amounts: readonly string[]): string {
  return fromFen(amounts.reduce((acc, a) => acc + toFen(a), 0n));
}

/** Open exceptions first, then by id. */
export function sortExceptions(rows: readonly ChannelException[]): ChannelException[] {
  return [...rows].sort((a, b) => Number(a.resolved) - Number(b.resolved) || a.id - b.id);
}

/** A Shanghai calendar day "YYYY-MM-DD" of a Date, by its local fields (the date picker's). */
export function dayString(d: Date): string {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** "7 品牌甲" when the merchant's name is known, else the id alone. */
export function merchantLabel(id: number, names: ReadonlyMap<number, string>): string {
  const name = names.get(id);
  return name === undefined ? String(id) : `${id} ${name}`;
}

/** The default statement file name of a merchant and day. */
export function statementFileName(merchant: number, date: string, format: StatementFormat): string {
  return `statement-${merchant}-${date}.${format}`;
}

/** A job's progress as a whole percentage (0 before the first report or when there is no work). */
export function progressPercent(progress: JobProgress | null): number {
  if (progress === null || progress.total <= 0) return 0;
  return Math.min(100, Math.floor((progress.done * 100) / progress.total));
}

/** How a catch-up run ended, for the message under its results. */
export function rangeOutcome(report: SettleRangeReport): 'cancelled' | 'nothing' | 'done' {
  if (report.cancelled) return 'cancelled';
  return report.days.length === 0 ? 'nothing' : 'done';
}

/** The last day a catch-up run handled (the day to show the lines of), or null. */
export function lastDay(report: SettleRangeReport): string | null {
  return report.days.length === 0 ? null : (report.days[report.days.length - 1]?.date ?? null);
}
