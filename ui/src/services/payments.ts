// Money at the counter: top-up, purchase, refund. Every request carries the caller's idempotency
// reference (services/reference.ts), so a retried submission never moves money twice.
import type { CardInfo, Movement, PaymentInfo, PayRequest, RefundRequest, TopUpRequest } from '../bindings';
import { call } from './ipc';

export function topUp(request: TopUpRequest): Promise<Movement> {
  return call<Movement>('top_up', { request });
}

export function pay(request: PayRequest): Promise<Movement> {
  return call<Movement>('pay', { request });
}

/** The card behind a QR payload (checks signature and freshness; does not use the code up). */
export function cardFromQr(payload: string): Promise<CardInfo> {
  return call<CardInfo>('card_from_qr', { payload });
}

export function refund(request: RefundRequest): Promise<Movement> {
  return call<Movement>('refund', { request });
}

/** Purchases of a card, or the one purchase with this id, with what is still refundable. */
export function paymentList(query: { card: string | null; payment_id: number | null }): Promise<PaymentInfo[]> {
  return call<PaymentInfo[]>('payment_list', { card: query.card, payment_id: query.payment_id });
}
