// How the money comes in, for top-ups and batch purchases alike: channel, payer type, and the
// fields the rules need for that channel (payer account name for a bank transfer, funding source
// where a credit card could pay). Hidden fields are not sent (see payerOf).
import type { ReactNode } from 'react';
import { Form, Input } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Channel, Funding, PayerType, Rules } from '../bindings';
import type { FieldRefusal } from '../hooks/useFieldRefusal';
import { asksFunding, CHANNELS, needsPayerName } from '../pages/topup/rules';
import ChoiceRadio from './ChoiceRadio';

export type PayerField = 'channel' | 'payer_name' | 'funding';

export interface PayerValues {
  channel: Channel;
  payer_type: PayerType;
  payer_name?: string;
  funding: Funding;
}

const PAYER_TYPES: readonly PayerType[] = ['person', 'company'];
const FUNDINGS: readonly Funding[] = ['debit', 'credit'];

/** The payer part of a request, with what the channel does not ask for left out. */
export function payerOf(v: PayerValues): { channel: Channel; payer_type: PayerType; payer_name: string | null; funding: Funding } {
  return {
    channel: v.channel,
    payer_type: v.payer_type,
    payer_name: needsPayerName(v.channel) ? (v.payer_name ?? '').trim() : null,
    funding: asksFunding(v.channel) ? v.funding : 'debit',
  };
}

/** The payer fields on screen for this channel (a refusal for a hidden one goes to the banner). */
export function visiblePayerFields(channel: Channel): PayerField[] {
  return ['channel', ...(needsPayerName(channel) ? ['payer_name' as const] : []), ...(asksFunding(channel) ? ['funding' as const] : [])];
}

interface Props<F extends string> {
  channel: Channel;
  rules: Rules | undefined;
  refusal: FieldRefusal<F | PayerField>;
  /** `topup` -> topup-channel, topup-payer-name, ... */
  testIdPrefix: string;
  /** Shown between the channel and the payer type (the cash-limit warning). */
  afterChannel?: ReactNode;
}

export default function PayerFields<F extends string>({ channel, rules, refusal, testIdPrefix, afterChannel }: Props<F>) {
  const { t } = useTranslation();
  return (
    <>
      <Form.Item name="channel" label={t('topup.channel')} {...refusal.itemProps('channel')}>
        <ChoiceRadio values={CHANNELS} labelPrefix="channel" testId={`${testIdPrefix}-channel`} />
      </Form.Item>
      {afterChannel}
      <Form.Item name="payer_type" label={t('topup.payerType')}>
        <ChoiceRadio values={PAYER_TYPES} labelPrefix="payerType" testId={`${testIdPrefix}-payer-type`} />
      </Form.Item>
      {needsPayerName(channel) && (
        <Form.Item
          name="payer_name"
          label={t('topup.payerName')}
          extra={t('topup.payerNameHint')}
          rules={[{ required: true, whitespace: true, message: t('topup.payerNameRequired') }]}
          {...refusal.itemProps('payer_name')}
        >
          <Input maxLength={64} data-testid={`${testIdPrefix}-payer-name`} />
        </Form.Item>
      )}
      {asksFunding(channel) && (
        <Form.Item
          name="funding"
          label={t('topup.funding')}
          extra={rules?.credit_funding_allowed === false ? t('topup.creditRefused') : undefined}
          {...refusal.itemProps('funding')}
        >
          <ChoiceRadio values={FUNDINGS} labelPrefix="funding" testId={`${testIdPrefix}-funding`} />
        </Form.Item>
      )}
    </>
  );
}
