// Members: find a registered holder by full mobile number or ID number (exact match through the
// core's blind index: personal data is never searched in clear), see their cards, bind another.
import { useState } from 'react';
import { App, Button, Card, Empty, Form, Input, Radio } from 'antd';
import { useTranslation } from 'react-i18next';
import { can } from '../../access';
import type { MemberInfo } from '../../bindings';
import PageTitle from '../../components/PageTitle';
import RefusalAlert from '../../components/RefusalAlert';
import { useSubmit } from '../../hooks/useCommand';
import { memberSearch } from '../../services/members';
import { useSession } from '../../session';
import { maskCard } from '../../utils/mask';
import { isValidIdNumber, isValidPhone } from '../../utils/validate';
import BindCardDialog from './components/BindCardDialog';
import MemberCard from './components/MemberCard';

type By = 'phone' | 'id_number';
interface Values {
  by: By;
  value: string;
}

export default function MembersPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { permissions } = useSession();
  const [form] = Form.useForm<Values>();
  const by = Form.useWatch('by', form) ?? 'phone';
  const search = useSubmit(memberSearch);
  const [found, setFound] = useState<MemberInfo[] | null>(null);
  const [last, setLast] = useState<Values | null>(null);
  const [binding, setBinding] = useState<MemberInfo | null>(null);

  const run = async (v: Values) => {
    setLast(v);
    const value = v.by === 'id_number' ? v.value.trim().toUpperCase() : v.value.trim();
    const members = await search.run(v.by === 'phone' ? { phone: value, id_number: null } : { phone: null, id_number: value });
    setFound(members ?? null);
  };

  return (
    <>
      <PageTitle>{t('menu.members')}</PageTitle>
      <Card style={{ marginBottom: 16 }}>
        <Form<Values> form={form} layout="inline" initialValues={{ by: 'phone', value: '' }} onFinish={run} style={{ rowGap: 8 }}>
          <Form.Item name="by">
            <Radio.Group optionType="button" onChange={() => form.setFieldValue('value', '')}>
              <Radio.Button value="phone">{t('members.byPhone')}</Radio.Button>
              <Radio.Button value="id_number">{t('members.byIdNumber')}</Radio.Button>
            </Radio.Group>
          </Form.Item>
          <Form.Item
            name="value"
            rules={[
              { required: true, message: t('form.required') },
              {
                validator: async (_r, v: unknown) => {
                  const s = typeof v === 'string' ? v.trim() : '';
                  if (s === '') return;
                  if (by === 'phone' && !isValidPhone(s)) throw new Error(t('errors.invalid_phone'));
                  if (by === 'id_number' && !isValidIdNumber(s)) throw new Error(t('errors.invalid_id_number'));
                },
              },
            ]}
          >
            <Input autoFocus style={{ width: 240 }} maxLength={by === 'phone' ? 11 : 18} placeholder={by === 'phone' ? t('members.phone') : t('members.idNumber')} data-testid="members-search" />
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={search.pending} data-testid="members-search-submit">
            {t('common.search')}
          </Button>
        </Form>
      </Card>
      <RefusalAlert error={search.error} testId="members-error" />
      {found !== null && found.length === 0 && <Empty description={t('members.none')} />}
      {found?.map((m) => <MemberCard key={m.id} member={m} canBind={can(permissions, 'service_cards')} onBind={setBinding} />)}
      {binding !== null && (
        <BindCardDialog
          member={binding}
          onClose={() => setBinding(null)}
          onDone={(card) => {
            setBinding(null);
            void message.success(t('members.bound', { card: maskCard(card.card) }));
            if (last !== null) void run(last);
          }}
        />
      )}
    </>
  );
}
