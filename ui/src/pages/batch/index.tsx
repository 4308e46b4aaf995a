// Batch issue: many cards loaded with the same face value in one purchase (company gift cards).
// The buyer's real name and ID are asked for exactly when count x face value reaches the real-name
// threshold, and the screen says why. Progress comes over a channel; Cancel stops the job.
import { useRef, useState } from 'react';
import { Alert, Button, Card, Col, Form, InputNumber, Row, Select } from 'antd';
import { useTranslation } from 'react-i18next';
import type { BatchIssued, BatchIssueRequest, CardType, JobProgress as Progress } from '../../bindings';
import AmountInput, { amountRules } from '../../components/AmountInput';
import ChoiceRadio from '../../components/ChoiceRadio';
import Money from '../../components/Money';
import PageTitle from '../../components/PageTitle';
import PayerFields, { payerOf, visiblePayerFields, type PayerField, type PayerValues } from '../../components/PayerFields';
import RefusalAlert from '../../components/RefusalAlert';
import { useCommand, useSubmit } from '../../hooks/useCommand';
import { useFieldRefusal } from '../../hooks/useFieldRefusal';
import { useReference } from '../../hooks/useReference';
import { toLanguage } from '../../i18n';
import { batchIssue, jobCancel, rulesGet } from '../../services/cards';
import { mallList } from '../../services/members';
import { newJobId } from '../../services/reference';
import { formatMoneySafe } from '../../utils/format';
import { parseAmount } from '../../utils/money';
import BatchProgress from './components/BatchProgress';
import BatchResult from './components/BatchResult';
import BuyerFields, { type BuyerField } from './components/BuyerFields';
import { batchTotal, needsRealName } from './realName';

interface Values extends PayerValues {
  count: number;
  card_type: CardType;
  face_value: string;
  mall?: string;
  buyer_name?: string;
  buyer_id?: string;
}

type Field = 'count' | 'face_value' | PayerField | BuyerField;

const FIELDS = {
  invalid_count: 'count',
  invalid_amount: 'face_value',
  balance_cap_exceeded: 'face_value',
  cash_limit_exceeded: 'channel',
  payer_mismatch: 'payer_name',
  credit_funding_refused: 'funding',
  real_name_required: 'buyer_name',
  invalid_name: 'buyer_name',
  invalid_id_number: 'buyer_id',
} as const satisfies Record<string, Field>;

const CARD_TYPES: readonly CardType[] = ['physical', 'virtual', 'cobrand'];
const MAX_BATCH = 100_000;

export default function BatchPage() {
  const { t, i18n } = useTranslation();
  const language = toLanguage(i18n.language);
  const [form] = Form.useForm<Values>();
  const rules = useCommand(rulesGet, []);
  const malls = useCommand(mallList, []);
  const submit = useSubmit(batchIssue);
  const reference = useReference();
  const job = useRef<string | null>(null);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [cancelling, setCancelling] = useState(false);
  const [result, setResult] = useState<BatchIssued | null>(null);

  const channel = Form.useWatch('channel', form) ?? 'bank_transfer';
  const total = batchTotal(Form.useWatch('count', form), Form.useWatch('face_value', form));
  const realName = needsRealName(total, rules.data?.real_name_threshold);
  const visible: Field[] = ['count', 'face_value', ...visiblePayerFields(channel), ...(realName ? (['buyer_name', 'buyer_id'] as const) : [])];
  // A cancel is what the operator asked for: shown as information, not as a refusal.
  const cancelled = submit.error?.code === 'cancelled';
  const refusal = useFieldRefusal(cancelled ? null : submit.error, FIELDS, 'batch-error', visible);

  const onFinish = async (v: Values) => {
    const body: Omit<BatchIssueRequest, 'reference'> = {
      card_type: v.card_type,
      count: v.count,
      face_value: parseAmount(v.face_value) ?? v.face_value,
      buyer_name: realName ? (v.buyer_name ?? '').trim() : null,
      buyer_id: realName ? (v.buyer_id ?? '').toUpperCase() : null,
      ...payerOf(v),
      mall: v.mall ?? null,
    };
    const id = newJobId();
    job.current = id;
    setProgress(null);
    setResult(null);
    const issued = await submit.run({ ...body, reference: reference.for(body) }, id, setProgress);
    job.current = null;
    setCancelling(false);
    if (issued === undefined) return;
    reference.succeeded();
    setResult(issued);
  };

  const cancel = async () => {
    if (job.current === null) return;
    setCancelling(true);
    await jobCancel(job.current).catch(() => false);
  };

  return (
    <>
      <PageTitle>{t('menu.batch')}</PageTitle>
      <Row gutter={16}>
        <Col xs={24} lg={12}>
          <Card>
            <Form<Values>
              form={form}
              layout="vertical"
              requiredMark={false}
              disabled={submit.pending}
              initialValues={{ card_type: 'physical', channel: 'bank_transfer', payer_type: 'company', funding: 'debit' }}
              onFinish={onFinish}
              onValuesChange={() => submit.error !== null && submit.clearError()}
            >
              <Row gutter={16}>
                <Col span={10}>
                  <Form.Item name="count" label={t('batch.count')} rules={[{ required: true, message: t('batch.countRequired') }]} {...refusal.itemProps('count')}>
                    <InputNumber<number> autoFocus min={1} max={MAX_BATCH} precision={0} style={{ width: '100%' }} data-testid="batch-count" />
                  </Form.Item>
                </Col>
                <Col span={14}>
                  <Form.Item name="face_value" label={t('batch.faceValue')} rules={amountRules(t, language, rules.data?.balance_cap_anonymous)} {...refusal.itemProps('face_value')}>
                    <AmountInput data-testid="batch-face-value" />
                  </Form.Item>
                </Col>
              </Row>
              <Form.Item name="card_type" label={t('cards.type')}>
                <ChoiceRadio values={CARD_TYPES} labelPrefix="cardType" testId="batch-type" />
              </Form.Item>
              <PayerFields channel={channel} rules={rules.data} refusal={refusal} testIdPrefix="batch" />
              <Form.Item name="mall" label={t('cards.mall')}>
                <Select allowClear showSearch optionFilterProp="label" placeholder={t('issue.mallPlaceholder')} options={(malls.data ?? []).map((m) => ({ value: m.code, label: `${m.name} (${m.code})` }))} />
              </Form.Item>
              {total !== null && (
                <Alert
                  type={realName ? 'warning' : 'info'}
                  showIcon
                  style={{ marginBottom: 16 }}
                  data-testid="batch-total"
                  message={<span>{t('batch.total')}: <Money amount={total} strong /></span>}
                  description={realName ? t('batch.realNameWhy', { threshold: formatMoneySafe(rules.data?.real_name_threshold, language) }) : undefined}
                />
              )}
              {realName && <BuyerFields refusal={refusal} />}
              {cancelled && <Alert type="info" showIcon style={{ marginBottom: 16 }} message={t('errors.cancelled')} data-testid="batch-cancelled" />}
              <RefusalAlert error={refusal.general} testId="batch-error" />
              {submit.pending ? (
                <BatchProgress progress={progress} cancelling={cancelling} onCancel={() => void cancel()} />
              ) : (
                <Button type="primary" htmlType="submit" data-testid="batch-submit">
                  {t('batch.submit')}
                </Button>
              )}
            </Form>
          </Card>
        </Col>
        <Col xs={24} lg={12}>{result !== null && <BatchResult batch={result} />}</Col>
      </Row>
    </>
  );
}
