// The filters above the card table. Enter in any box applies them; every change starts again
// from the first page (a cursor belongs to one filter set).
import { Button, Form, Input, Select, Space } from 'antd';
import { useTranslation } from 'react-i18next';
import type { CardStatus, CardType, MallInfo } from '../../../bindings';
import { isValidPhone } from '../../../utils/validate';

export interface Filters {
  number: string | null;
  phone: string | null;
  status: CardStatus | null;
  card_type: CardType | null;
  mall: string | null;
}

export const NO_FILTERS: Filters = { number: null, phone: null, status: null, card_type: null, mall: null };

const STATUSES: CardStatus[] = ['active', 'frozen', 'lost', 'closed', 'expired'];
const TYPES: CardType[] = ['physical', 'virtual', 'cobrand'];

interface Values {
  number?: string;
  phone?: string;
  status?: CardStatus;
  card_type?: CardType;
  mall?: string;
}

const orNull = <T,>(v: T | undefined | ''): T | null => (v === undefined || v === '' ? null : v);

export default function CardFilters({ malls, onApply }: { malls: MallInfo[]; onApply: (filters: Filters) => void }) {
  const { t } = useTranslation();
  const [form] = Form.useForm<Values>();
  const apply = (v: Values) =>
    onApply({
      number: orNull(v.number?.trim()),
      phone: orNull(v.phone?.trim()),
      status: orNull(v.status),
      card_type: orNull(v.card_type),
      mall: orNull(v.mall),
    });

  return (
    <Form<Values> form={form} layout="inline" onFinish={apply} style={{ marginBottom: 16, rowGap: 8 }}>
      <Form.Item name="number" rules={[{ pattern: /^\d{1,19}$/, message: t('cards.filterNumberFormat') }]}>
        <Input autoFocus allowClear placeholder={t('cards.filterNumber')} data-testid="cards-filter-number" style={{ width: 220 }} />
      </Form.Item>
      <Form.Item
        name="phone"
        rules={[
          {
            validator: async (_r, v: unknown) => {
              if (typeof v === 'string' && v !== '' && !isValidPhone(v.trim())) throw new Error(t('errors.invalid_phone'));
            },
          },
        ]}
      >
        <Input allowClear placeholder={t('cards.filterPhone')} data-testid="cards-filter-phone" style={{ width: 160 }} />
      </Form.Item>
      <Form.Item name="status">
        <Select
          allowClear
          placeholder={t('cards.status')}
          style={{ width: 120 }}
          data-testid="cards-filter-status"
          options={STATUSES.map((s) => ({ value: s, label: t(`cardStatus.${s}`) }))}
          onChange={() => form.submit()}
        />
      </Form.Item>
      <Form.Item name="card_type">
        <Select
          allowClear
          placeholder={t('cards.type')}
          style={{ width: 140 }}
          data-testid="cards-filter-type"
          options={TYPES.map((s) => ({ value: s, label: t(`cardType.${s}`) }))}
          onChange={() => form.submit()}
        />
      </Form.Item>
      <Form.Item name="mall">
        <Select
          allowClear
          showSearch
          optionFilterProp="label"
          placeholder={t('cards.mall')}
          style={{ width: 180 }}
          data-testid="cards-filter-mall"
          options={malls.map((m) => ({ value: m.code, label: `${m.name} (${m.code})` }))}
          onChange={() => form.submit()}
        />
      </Form.Item>
      <Space>
        <Button type="primary" htmlType="submit" data-testid="cards-search">
          {t('common.search')}
        </Button>
        <Button
          onClick={() => {
            form.resetFields();
            onApply(NO_FILTERS);
          }}
        >
          {t('common.reset')}
        </Button>
      </Space>
    </Form>
  );
}
