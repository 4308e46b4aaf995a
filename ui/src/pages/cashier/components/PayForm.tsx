// Taking a card payment. The card box takes a typed number or a scanned/pasted QR payload
// (useCardResolver). A scanner ends with Enter: that resolves the code and moves on to the amount
// instead of submitting a half-filled form. The checkout timer runs from the first focus.
import { useEffect, useRef, useState } from 'react';
import { Button, Form, Input, Space, Switch, Tag, Typography, type InputRef } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Medium, Movement, PayRequest } from '../../../bindings';
import AmountInput, { amountRules } from '../../../components/AmountInput';
import CardPeek from '../../../components/CardPeek';
import ChoiceRadio from '../../../components/ChoiceRadio';
import RefusalAlert from '../../../components/RefusalAlert';
import { useCommand, useSubmit } from '../../../hooks/useCommand';
import { useFieldRefusal } from '../../../hooks/useFieldRefusal';
import { useReference } from '../../../hooks/useReference';
import { toLanguage } from '../../../i18n';
import { merchantList } from '../../../services/members';
import { pay } from '../../../services/payments';
import { maskCard } from '../../../utils/mask';
import { parseAmount } from '../../../utils/money';
import { isValidCardNumber } from '../../../utils/validate';
import MerchantSelect, { lastMerchant, rememberMerchant } from './MerchantSelect';
import MovementResult from '../../../components/MovementResult';
import { useCardResolver } from './useCardResolver';
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

export default function PayForm() {
  const { t, i18n } = useTranslation();
  const language = toLanguage(i18n.language);
  const [form] = Form.useForm<Values>();
  const merchants = useCommand(() => merchantList(null), []);
  const submit = useSubmit(pay);
  const reference = useReference();
  const timer = useCheckoutTimer();
  const resolver = useCardResolver(() => form.setFieldValue('medium', 'qr'));
  const [timing, setTiming] = useState(true);
  const [result, setResult] = useState<Movement | null>(null);
  const [version, setVersion] = useState(0);
  const amountRef = useRef<InputRef>(null);
  const refusal = useFieldRefusal(submit.error ?? resolver.error, FIELDS, 'pay-error');
  const cardInput = () => (form.getFieldValue('card') as string | undefined) ?? '';

  // The remembered merchant, once we know it still exists and takes payments.
  useEffect(() => {
    const last = lastMerchant();
    if (last !== undefined && merchants.data?.some((m) => m.id === last && m.active) === true) {
      if (form.getFieldValue('merchant') === undefined) form.setFieldValue('merchant', last);
    }
  }, [merchants.data, form]);

  const onFinish = async (v: Values) => {
    const r = await resolver.resolve(v.card);
    if (r === null) return;
    const body: Omit<PayRequest, 'reference' | 'checkout_seconds'> = {
      card: r.card,
      amount: parseAmount(v.amount) ?? v.amount,
      merchant: v.merchant,
      medium: v.medium,
      qr_payload: r.qrPayload,
    };
    const ref = reference.for(body);
    // Measured once per submission: a retry must send the very same request.
    const seconds = reference.pin(() => (timing ? timer.read() : null));
    setResult(null);
    const movement = await submit.run({ ...body, checkout_seconds: seconds, reference: ref });
    if (movement === undefined) return;
    reference.succeeded();
    rememberMerchant(v.merchant);
    setResult(movement);
    setVersion((n) => n + 1);
    timer.reset();
    // A QR code is single-use: clear it; a card number stays for the next purchase on the same card.
    form.setFieldsValue({ amount: '', ...(r.qrPayload !== null ? { card: '' } : {}) });
    if (r.qrPayload !== null) resolver.clear();
  };

  const shown = resolver.resolved;
  return (
    <div onFocusCapture={timer.start} style={{ maxWidth: 640 }}>
      {result !== null && (
        <MovementResult
          movement={result}
          doneKey="cashier.paid"
          balanceKey="cashier.balanceAfter"
          balanceTestId="pay-result-balance"
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
          if ('card' in changed) resolver.changed(changed.card ?? '');
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
                const s = typeof value === 'string' ? value.trim() : '';
                if (/^\d+$/.test(s) && !isValidCardNumber(s)) throw new Error(t('errors.invalid_card_number'));
              },
            },
          ]}
          {...refusal.itemProps('card')}
        >
          <Input
            autoFocus
            autoComplete="off"
            data-testid="pay-card"
            onBlur={() => void resolver.resolve(cardInput())}
            onPressEnter={(e) => {
              if ((form.getFieldValue('amount') ?? '') === '') {
                e.preventDefault();
                void resolver.resolve(cardInput());
                amountRef.current?.focus();
              }
            }}
          />
        </Form.Item>
        {shown !== null && isValidCardNumber(shown.card) && (
          <>
            {shown.qrPayload !== null && (
              <Tag color="blue" style={{ marginBottom: 8 }}>
                {t('cashier.fromQr', { card: maskCard(shown.card) })}
              </Tag>
            )}
            <CardPeek card={shown.card} version={version} />
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
