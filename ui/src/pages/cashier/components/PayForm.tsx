// Taking a card payment. The card box takes a typed 19-digit number or a scanned/pasted QR
// payload (resolved with card_from_qr, which checks it without using it up; `pay` uses it). A
// scanner ends with Enter: that resolves the code and moves on to the amount instead of
// submitting a half-filled form.
import { useEffect, useRef, useState } from 'react';
import { Alert, Button, Form, Input, Space, Switch, Tag, Typography, type InputRef } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Medium, Movement, PayRequest } from '../../../bindings';
import AmountInput, { amountRules } from '../../../components/AmountInput';
import CardPeek from '../../../components/CardPeek';
import ChoiceRadio from '../../../components/ChoiceRadio';
import Money from '../../../components/Money';
import RefusalAlert from '../../../components/RefusalAlert';
import { useCommand, useSubmit } from '../../../hooks/useCommand';
import { useFieldRefusal } from '../../../hooks/useFieldRefusal';
import { useReference } from '../../../hooks/useReference';
import { toLanguage } from '../../../i18n';
import { merchantList } from '../../../services/members';
import { toCommandError, type CommandError } from '../../../services/ipc';
import { cardFromQr, pay } from '../../../services/payments';
import { maskCard } from '../../../utils/mask';
import { parseAmount } from '../../../utils/money';
import { isValidCardNumber } from '../../../utils/validate';
import MerchantSelect, { lastMerchant, rememberMerchant } from './MerchantSelect';
import { useCheckoutTimer } from './useCheckoutTimer';

interface Values {
  card: string;
  merchant: number;
  medium: Medium;
  amount: string;
}

type Field = 'card' | 'merchant' | 'amount';

const FIELDS = {
  invalid_card_number: 'card',
  'card_*': 'card',
  'qr_*': 'card',
  'merchant_*': 'merchant',
  invalid_amount: 'amount',
  insufficient_funds: 'amount',
} as const satisfies Record<string, Field>;

const MEDIUMS: readonly Medium[] = ['nfc', 'qr', 'ecny'];

/** The card behind what is in the card box. */
interface Resolved {
  input: string;
  card: string;
  qrPayload: string | null;
}

function looksLikeNumber(input: string): boolean {
  return /^\d{19}$/.test(input);
}

export default function PayForm() {
  const { t, i18n } = useTranslation();
  const language = toLanguage(i18n.language);
  const [form] = Form.useForm<Values>();
  const merchants = useCommand(() => merchantList(null), []);
  const submit = useSubmit(pay);
  const reference = useReference();
  const timer = useCheckoutTimer();
  const [timing, setTiming] = useState(true);
  const [resolved, setResolved] = useState<Resolved | null>(null);
  const [resolveError, setResolveError] = useState<CommandError | null>(null);
  const [result, setResult] = useState<Movement | null>(null);
  const [version, setVersion] = useState(0);
  const amountRef = useRef<InputRef>(null);
  const refusal = useFieldRefusal(submit.error ?? resolveError, FIELDS, 'pay-error');

  // The remembered merchant, once we know it still exists and takes payments.
  useEffect(() => {
    const last = lastMerchant();
    if (last !== undefined && merchants.data?.some((m) => m.id === last && m.active) === true) {
      if (form.getFieldValue('merchant') === undefined) form.setFieldValue('merchant', last);
    }
  }, [merchants.data, form]);

  const resolve = async (): Promise<Resolved | null> => {
    const input = ((form.getFieldValue('card') as string | undefined) ?? '').trim();
    if (input === '') return null;
    if (resolved?.input === input) return resolved;
    if (looksLikeNumber(input)) {
      const r = { input, card: input, qrPayload: null };
      setResolved(r);
      return r;
    }
    try {
      const card = await cardFromQr(input);
      const r = { input, card: card.card, qrPayload: input };
      setResolved(r);
      setResolveError(null);
      form.setFieldValue('medium', 'qr');
      return r;
    } catch (raw) {
      setResolved(null);
      setResolveError(toCommandError(raw));
      return null;
    }
  };

  const onFinish = async (v: Values) => {
    const r = await resolve();
    if (r === null) return;
    const body: Omit<PayRequest, 'reference' | 'checkout_seconds'> = {
      card: r.card,
      amount: parseAmount(v.amount) ?? v.amount,
      merchant: v.merchant,
      medium: v.medium,
      qr_payload: r.qrPayload,
    };
    // The timer is not part of what identifies the submission: a retry must reuse the reference.
    const request: PayRequest = { ...body, checkout_seconds: timing ? timer.read() : null, reference: reference.for(body) };
    setResult(null);
    const movement = await submit.run(request);
    if (movement === undefined) return;
    reference.succeeded();
    rememberMerchant(v.merchant);
    setResult(movement);
    setVersion((n) => n + 1);
    timer.reset();
    // A QR code is single-use: clear it; a card number stays for the next purchase on the same card.
    form.setFieldsValue({ amount: '', ...(r.qrPayload !== null ? { card: '' } : {}) });
    if (r.qrPayload !== null) setResolved(null);
  };

  const shownCard = resolved?.card ?? null;
  return (
    <div onFocusCapture={timer.start}>
      {result !== null && (
        <Alert
          type="success"
          showIcon
          style={{ marginBottom: 16 }}
          message={
            <span>
              {t('cashier.paid', { card: maskCard(result.card) })} <Money amount={result.amount} />
            </span>
          }
          description={
            <span>
              {t('cashier.balanceAfter')} <Money amount={result.balance_after} strong testId="pay-result-balance" />
              {result.replayed && <> · {t('common.replayed')}</>}
            </span>
          }
        />
      )}
      <Form<Values>
        form={form}
        layout="vertical"
        requiredMark={false}
        initialValues={{ medium: 'nfc' }}
        onFinish={onFinish}
        onValuesChange={(changed) => {
          if (submit.error !== null) submit.clearError();
          if ('card' in changed) {
            setResolveError(null);
            const input = (changed.card ?? '').trim();
            if (looksLikeNumber(input)) setResolved({ input, card: input, qrPayload: null });
            else if (resolved?.input !== input) setResolved(null);
          }
        }}
      >
        <Form.Item
          name="card"
          label={t('cashier.card')}
          extra={t('cashier.cardHint')}
          rules={[
            { required: true, message: t('form.cardRequired') },
            {
              validator: async (_rule, value: unknown) => {
                if (typeof value === 'string' && /^\d+$/.test(value.trim()) && !isValidCardNumber(value.trim())) {
                  throw new Error(t('errors.invalid_card_number'));
                }
              },
            },
          ]}
          {...refusal.itemProps('card')}
        >
          <Input
            autoFocus
            autoComplete="off"
            data-testid="pay-card"
            onBlur={() => void resolve()}
            onPressEnter={(e) => {
              if ((form.getFieldValue('amount') ?? '') === '') {
                e.preventDefault();
                void resolve();
                amountRef.current?.focus();
              }
            }}
          />
        </Form.Item>
        {shownCard !== null && isValidCardNumber(shownCard) && (
          <>
            {resolved?.qrPayload !== null && <Tag color="blue" style={{ marginBottom: 8 }}>{t('cashier.fromQr', { card: maskCard(shownCard) })}</Tag>}
            <CardPeek card={shownCard} version={version} />
          </>
        )}
        <Form.Item name="merchant" label={t('cashier.merchant')} rules={[{ required: true, message: t('cashier.merchantRequired') }]} {...refusal.itemProps('merchant')}>
          <MerchantSelect merchants={merchants.data ?? []} loading={merchants.loading} data-testid="pay-merchant" />
        </Form.Item>
        <Form.Item name="medium" label={t('cashier.medium')}>
          <ChoiceRadio values={MEDIUMS} labelPrefix="medium" testId="pay-medium" />
        </Form.Item>
        <Form.Item name="amount" label={t('cashier.amount')} rules={amountRules(t, language)} {...refusal.itemProps('amount')}>
          <AmountInput ref={amountRef} data-testid="pay-amount" />
        </Form.Item>
        <RefusalAlert error={merchants.error ?? refusal.general} testId="pay-error" />
        <Space size={16} align="center">
          <Button type="primary" htmlType="submit" loading={submit.pending} data-testid="pay-submit">
            {t('cashier.submit')}
          </Button>
          <Space size={6}>
            <Switch size="small" checked={timing} onChange={setTiming} data-testid="pay-timer" />
            <Typography.Text type="secondary">
              {t('cashier.timer')}
              {timing && timer.elapsed !== null && <> · {t('cashier.seconds', { n: timer.elapsed })}</>}
            </Typography.Text>
          </Space>
        </Space>
      </Form>
    </div>
  );
}
