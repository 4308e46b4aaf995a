// Card commands: the paged list, the detail drawer, issuing and servicing.
import { Channel } from '@tauri-apps/api/core';
import type {
  Activity,
  BatchIssued,
  BatchIssueRequest,
  CardActionRequest,
  CardChange,
  CardInfo,
  CardPage,
  CardQuery,
  ExportFormat,
  Exported,
  IssueRequest,
  JobProgress,
  QrCode,
  Rules,
} from '../bindings';
import { call } from './ipc';

/** One page of cards; pass the page's `next` as `after` to get the following one. */
export function cardList(query: CardQuery): Promise<CardPage> {
  return call<CardPage>('card_list', { query });
}

/** How many cards match the filters (`after`/`limit` are ignored); slower, so asked separately. */
export function cardCount(query: CardQuery): Promise<number> {
  return call<number>('card_count', { query });
}

/** One card with its full number. */
export function cardGet(id: number): Promise<CardInfo> {
  return call<CardInfo>('card_get', { id });
}

export function cardShow(card: string): Promise<CardInfo> {
  return call<CardInfo>('card_show', { card });
}

/** The card's activity, oldest first. */
export function cardHistory(card: string): Promise<Activity[]> {
  return call<Activity[]>('card_history', { card });
}

export function cardIssue(request: IssueRequest): Promise<CardInfo> {
  return call<CardInfo>('card_issue', { request });
}

export function cardAction(request: CardActionRequest): Promise<CardChange> {
  return call<CardChange>('card_action', { request });
}

/** A fresh single-use QR code for a virtual card (valid `ttl_seconds`). */
export function cardQr(card: string): Promise<QrCode> {
  return call<QrCode>('card_qr', { card });
}

/**
 * Issues `count` cards loaded with `face_value` each. `onProgress` is called as the shell reports
 * stages; `job` is the id `jobCancel` takes.
 */
export function batchIssue(
  request: BatchIssueRequest,
  job: string,
  onProgress: (progress: JobProgress) => void,
): Promise<BatchIssued> {
  const channel = new Channel<JobProgress>();
  channel.onmessage = onProgress;
  return call<BatchIssued>('batch_issue', { request, job, on_progress: channel });
}

/** Asks a running job to stop; true when the job was still running. */
export function jobCancel(job: string): Promise<boolean> {
  return call<boolean>('job_cancel', { job });
}

/** Writes the batch's card numbers into the Downloads folder. */
export function batchExport(reference: string, format: ExportFormat): Promise<Exported> {
  return call<Exported>('batch_export', { reference, format });
}

/** The regulatory rules in force (caps, thresholds) the forms explain. */
export function rulesGet(): Promise<Rules> {
  return call<Rules>('rules_get');
}
