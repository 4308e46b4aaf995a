// Issue one card: type, registered or not (then the holder's real name, ID number and mobile),
// the mall. The rules panel says what the chosen kind of card allows before it is issued.
import { useState } from 'react';
import { Button, Card, Col, Form, Row, Select, Switch } from 'antd';
import { useTranslation } from 'react-i18next';
import type { CardInfo, CardType, Holder } from '../../bindings';
import ChoiceRadio from '../../components/ChoiceRadio';
import PageTitle from '../../components/PageTitle';
import RefusalAlert from '../../components/RefusalAlert';
import { useCommand, useSubmit } from '../../hooks/useCommand';
import { useFieldRefusal } from '../../hooks/useFieldRefusal';
import { cardIssue, rulesGet } from '../../services/cards';
import { mallList } from '../../services/members';
import HolderFields, { type HolderField } from './components/HolderFields';
import IssuedCard from './components/IssuedCard';
import RulesPanel from './components/RulesPanel';

const CARD_TYPES: readonly CardType[] = ['physical', 'virtual', 'cobrand'];

interface Values {
  card_type: CardType;
  registered: boolean;
  holder?: Holder;
  mall?: string;
}

const FIELDS = {
  invalid_name: 'name',
  real_name_required: 'name',
  invalid_id_number: 'id_number',
  invalid_phone: 'phone',
} as const satisfies Record<string, HolderField>;

export default function IssuePage() {
  const { t } = useTranslation();
  const [form] = Form.useForm<Values>();
  const registered = Form.useWatch('registered', form) ?? false;
  const rules = useCommand(rulesGet, []);
  const malls = useCommand(mallList, []);
  const submit = useSubmit(cardIssue);
  const refusal = useFieldRefusal(submit.error, FIELDS, 'issue-error');
  const [issued, setIssued] = useState<CardInfo | null>(null);

  const onFinish = async (v: Values) => {
    const card = await submit.run({
      card_type: v.card_type,
      holder: v.registered && v.holder !== undefined ? v.holder : null,
      mall: v.mall ?? null,
    });
    if (card !== undefined) setIssued(card);
  };

  const another = () => {
    setIssued(null);
    form.resetFields();
  };

  return (
    <>
      <PageTitle>{t('menu.issue')}</PageTitle>
      <Row gutter={16}>
        <Col xs={24} lg={14}>
          <Card>
            <Form<Values>
              form={form}
              layout="vertical"
              initialValues={{ card_type: 'physical', registered: false }}
              onFinish={onFinish}
              onValuesChange={() => submit.error !== null && submit.clearError()}
              requiredMark={false}
            >
              <Form.Item name="card_type" label={t('cards.type')}>
                <ChoiceRadio values={CARD_TYPES} labelPrefix="cardType" testId="issue-type" />
              </Form.Item>
              <Form.Item name="registered" label={t('issue.registered')} valuePropName="checked" extra={t('issue.registeredHint')}>
                <Switch data-testid="issue-registered" />
              </Form.Item>
              {registered && <HolderFields refusal={refusal} />}
              <Form.Item name="mall" label={t('cards.mall')}>
                <Select
                  allowClear
                  showSearch
                  optionFilterProp="label"
                  placeholder={t('issue.mallPlaceholder')}
                  data-testid="issue-mall"
                  options={(malls.data ?? []).map((m) => ({ value: m.code, label: `${m.name} (${m.code})` }))}
                />
              </Form.Item>
              <RefusalAlert error={refusal.general} testId="issue-error" />
              <Button type="primary" htmlType="submit" loading={submit.pending} data-testid="issue-submit">
                {t('issue.submit')}
              </Button>
            </Form>
          </Card>
        </Col>
        <Col xs={24} lg={10}>
          {issued !== null ? (
            <IssuedCard card={issued} onAnother={another} />
          ) : (
            <Card title={t('issue.rules.title')}>
              <RefusalAlert error={rules.error} />
              <RulesPanel rules={rules.data} registered={registered} />
            </Card>
          )}
        </Col>
      </Row>
    </>
  );
}
