// One page of cards. Sorting is the server's (number, issue time: each an index); a row opens the card
// with a click or with Enter once focused (Tab moves through the rows).
import type { HTMLAttributes } from 'react';
import { Table, Tag, type TableProps } from 'antd';
import type { SortOrder } from 'antd/es/table/interface';
import { useTranslation } from 'react-i18next';
import type { CardInfo, CardSort } from '../../../bindings';
import Money from '../../../components/Money';
import { formatDateTime } from '../../../utils/format';
import { STATUS_COLOR } from './labels';

interface Props {
  rows: CardInfo[];
  loading: boolean;
  sort: CardSort;
  desc: boolean;
  onSort: (sort: CardSort, desc: boolean) => void;
  onOpen: (card: CardInfo) => void;
}

// No "unsorted" state: the server always orders by something, so the cycle skips it.
const DIRECTIONS: SortOrder[] = ['ascend', 'descend', 'ascend'];

export const DEFAULT_SORT: { sort: CardSort; desc: boolean } = { sort: 'issued_at', desc: true };

export default function CardTable({ rows, loading, sort, desc, onSort, onOpen }: Props) {
  const { t } = useTranslation();
  const order = (key: CardSort): SortOrder => (sort === key ? (desc ? 'descend' : 'ascend') : null);

  const columns: TableProps<CardInfo>['columns'] = [
    { key: 'number', title: t('cards.number'), dataIndex: 'card', sorter: true, sortOrder: order('number'), sortDirections: DIRECTIONS, render: (v: string) => <span className="money">{v}</span> },
    { key: 'type', title: t('cards.type'), dataIndex: 'type', render: (v: string) => t(`cardType.${v}`) },
    {
      key: 'registered',
      title: t('cards.registered'),
      dataIndex: 'registered',
      render: (v: boolean) => (v ? <Tag color="geekblue">{t('cards.registeredYes')}</Tag> : <Tag>{t('cards.registeredNo')}</Tag>),
    },
    { key: 'status', title: t('cards.status'), dataIndex: 'status', render: (v: string) => <Tag color={STATUS_COLOR[v]}>{t(`cardStatus.${v}`)}</Tag> },
    { key: 'balance', title: t('cards.balance'), dataIndex: 'balance', align: 'right', render: (v: string) => <Money amount={v} /> },
    { key: 'holder', title: t('cards.holder'), dataIndex: 'holder', render: (v: string | null) => v ?? '—' },
    { key: 'phone', title: t('cards.phone'), dataIndex: 'phone', render: (v: string | null) => v ?? '—' },
    { key: 'mall', title: t('cards.mall'), dataIndex: 'mall', render: (v: string | null) => v ?? '—' },
    { key: 'expires_on', title: t('cards.expiresOn'), dataIndex: 'expires_on', render: (v: string | null) => v ?? t('cards.noExpiry') },
    { key: 'issued_at', title: t('cards.issuedAt'), dataIndex: 'issued_at', sorter: true, sortOrder: order('issued_at'), sortDirections: DIRECTIONS, render: (v: string) => formatDateTime(v) },
  ];

  return (
    <div data-testid="cards-table">
      <Table<CardInfo>
        rowKey="id"
        size="middle"
        loading={loading}
        dataSource={rows}
        columns={columns}
        pagination={false}
        scroll={{ x: 'max-content' }}
        rowClassName={() => 'clickable-row'}
        onChange={(_pagination, _filters, sorter) => {
          const s = Array.isArray(sorter) ? sorter[0] : sorter;
          const key = s?.columnKey;
          if (key === 'number' || key === 'issued_at') onSort(key, s?.order === 'descend');
        }}
        onRow={(card) => {
          const attributes: HTMLAttributes<HTMLElement> & { 'data-testid': string } = {
            'data-testid': `card-row-${card.id}`,
            tabIndex: 0,
            onClick: () => onOpen(card),
            onKeyDown: (e) => {
              if (e.key === 'Enter') onOpen(card);
            },
          };
          return attributes;
        }}
      />
    </div>
  );
}
