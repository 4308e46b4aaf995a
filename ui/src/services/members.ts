// Members (registered card holders) and the malls and merchants forms choose from.
import type { CardInfo, MallInfo, MemberInfo, MerchantInfo } from '../bindings';
import { call } from './ipc';

/** Exact match by full phone or full ID number (through the core's blind index). */
export function memberSearch(query: { phone: string | null; id_number: string | null }): Promise<MemberInfo[]> {
  return call<MemberInfo[]>('member_search', { phone: query.phone, id_number: query.id_number });
}

/** Binds an anonymous card to the member; the card becomes registered. */
export function memberBindCard(member: number, card: string): Promise<CardInfo> {
  return call<CardInfo>('member_bind_card', { member, card });
}

export function mallList(): Promise<MallInfo[]> {
  return call<MallInfo[]>('mall_list');
}

export function merchantList(mall: string | null = null): Promise<MerchantInfo[]> {
  return call<MerchantInfo[]>('merchant_list', { mall });
}
