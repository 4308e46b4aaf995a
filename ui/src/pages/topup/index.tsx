// Top-up at the counter. The payer fields follow the rules: payer type always, payer name for a
// bank transfer (it must match the buyer), funding source for card channels (credit cards may not
// fund cards). A refusal lands under the field it is about, translated.
import { useState } from 'react';
import { Alert, Button, Card, Col, Form, Input, Row } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Movement, TopUpRequest } from '../../bindings';
import AmountInput, { amountRules } from '../../components/AmountInput';
import CardPeek from '../../components/CardPeek';
import { cardNumberRules } from '../../components/cardNumberRules';
import Money from '../../components/Money';
import PageTitle from '../../components/PageTitle';
import PayerFields, { payerOf, visiblePayerFields, type PayerField, type PayerValues } from '../../components/PayerFields';
import RefusalAlert from '../../components/RefusalAlert';
import { useCommand, useSubmit } from '../../hooks/useCommand';
import { useFieldRefusal } from '../../hooks/useFieldRefusal';
import { useReference } from '../../hooks/useReference';
import { toLanguage } from '../../i18n';
import { rulesGet } from '../../services/cards';
import { topUp } from '../../services/payments';
import { formatMoneySafe } from '../../utils/format';
import { fromFen, parseAmount, toFen } from '../../utils/money';
import { isValidCardNumber } from '../../utils/validate';
import MovementResult from '../../components/MovementResult';
import TopUpRules from './components/TopUpRules';
import { cashLimit, cashRefused } from './rules';

interface Values extends PayerValues {
  card: string;
  amount: string;
}

type Field = 'card' | 'amount' | PayerField;

const FIELDS = {
  invalid_card_number: 'card',
  card_not_found: 'card',
  'card_*': 'card',
  invalid_amount: 'amount',
  balance_cap_exceeded: 'amount',
  cash_limit_exceeded: 'channel',
  payer_mismatch: 'payer_name',
  invalid_name: 'payer_name',
  credit_funding_refused: 'funding',
} as const satisfies Record<string, Field>;

export default function TopUpPage() {
  const { t, i18n } = useTranslation();
  const language = toLanguage(i18n.language);
  const [form] = Form.useForm<Values>();
  const rules = useCommand(rulesGet, []);
  const submit = useSubmit(topUp);
  const reference = useReference();
  const [result, setResult] = useState<Movement | null>(null);
  const [version, setVersion] = useState(0);

  const card = (Form.useWatch('card', form) ?? '').trim();
  const amount = Form.useWatch('amount', form) ?? '';
  const channel = Form.useWatch('channel', form) ?? 'cash';
  const payer = Form.useWatch('payer_type', form) ?? 'person';
  const visible: Field[] = ['card', 'amount', ...visiblePayerFields(channel)];
  const refusal = useFieldRefusal(submit.error, FIELDS, 'topup-error', visible);

  const onFinish = async (v: Values) => {
    const body: Omit<TopUpRequest, 'reference'> = {
      card: v.card.trim(),
      amount: parseAmount(v.amount) ?? v.amount,
      ...payerOf(v),
    };
    setResult(null);
    const movement = await submit.run({ ...body, reference: reference.for(body) });
    if (movement === undefined) return;
    reference.succeeded();
    setResult(movement);
    setVersion((n) => n + 1);
    form.setFieldValue('amount', '');
  };

  // Room left under the card's cap: a hint only, the core decides (balance_cap_exceeded).
  const headroom = (balance: string, registered: boolean) => {
    if (rules.data === undefined) return '—';
    const cap = registered ? rules.data.balance_cap_registered : rules.data.balance_cap_anonymous;
    const room = toFen(cap) - toFen(balance);
    return <Money amount={fromFen(room > 0n ? room : 0n)} />;
  };

  const cashWarning = rules.data !== undefined && cashRefused(rules.data, channel, payer, amount) && (
    <Alert
      type="warning"
      showIcon
      style={{ marginBottom: 16 }}
      message={t('topup.cashLimit', { limit: formatMoneySafe(cashLimit(rules.data, payer), language) })}
    />
  );

  return (
    <>
      <PageTitle>{t('menu.topup')}</PageTitle>
      <Row gutter={16}>
        <Col xs={24} lg={14}>
          <Card>
            {result !== null && (
              <MovementResult
                movement={result}
                doneKey="topup.done"
                balanceKey="topup.newBalance"
                balanceTestId="topup-result-balance"
              />
            )}
            <Form<Values>
              form={form}
              layout="vertical"
              requiredMark={false}
              initialValues={{ channel: 'cash', payer_type: 'person', funding: 'debit' }}
              onFinish={onFinish}
              onValuesChange={() => submit.error !== null && submit.clearError()}
            >
              <Form.Item name="card" label={t('topup.card')} rules={cardNumberRules(t)} {...refusal.itemProps('card')}>
                <Input autoFocus maxLength={19} inputMode="numeric" autoComplete="off" data-testid="topup-card" />
              </Form.Item>
              {isValidCardNumber(card) && (
                <CardPeek card={card} version={version} extra={(c) => headroom(c.balance, c.registered)} />
              )}
              <Form.Item name="amount" label={t('topup.amount')} rules={amountRules(t, language)} {...refusal.itemProps('amount')}>
                <AmountInput data-testid="topup-amount" />
              </Form.Item>
              <PayerFields channel={channel} rules={rules.data} refusal={refusal} testIdPrefix="topup" afterChannel={cashWarning} />
              <RefusalAlert error={refusal.general} testId="topup-error" />
              <Button type="primary" htmlType="submit" loading={submit.pending} data-testid="topup-submit">
                {t('topup.submit')}
              </Button>
            </Form>
          </Card>
        </Col>
        <Col xs={24} lg={10}>
          <TopUpRules rules={rules.data} error={rules.error} />
        </Col>
      </Row>
    </>
  );
}
