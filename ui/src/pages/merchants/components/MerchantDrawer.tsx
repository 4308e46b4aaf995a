// One merchant: contract, fee rate, credentials, every onboarding transition, its fee history
// (contract rate changes, its category's rules, the rates really charged per month) and its
// monthly ratings (merchant_show), with the actions its status allows.
import { Button, Descriptions, Drawer, Empty, Space, Table, Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import Money from '../../../components/Money';
import { ratingColumns } from '../../../components/RatingColumns';
import RefusalAlert from '../../../components/RefusalAlert';
import { useCommand } from '../../../hooks/useCommand';
import {
  canChangeContract,
  formatBps,
  gradeColor,
  merchantShow,
  merchantStatusColor,
  nextOnboardingStep,
  statusTargets,
  type AppliedRate,
  type CategoryFeeRule,
  type ContractChange,
  type MerchantDetail,
  type MerchantEvent,
  type RatingHistoryRow,
} from '../../../services/clearing';
import { formatDateTime } from '../../../utils/format';
import type { MerchantAction } from './MerchantActionDialog';

interface Props {
  merchant: number | null;
  /** Changes whenever an action completed, to reload. */
  version: number;
  /** False for auditors: the drawer only reads. */
  canAct: boolean;
  onClose: () => void;
  onAction: (action: MerchantAction) => void;
}

export function actionsFor(m: { merchant: number; name: string; status: string; fee_bps: number | null }, account: string | null): MerchantAction[] {
  const out: MerchantAction[] = [];
  const step = nextOnboardingStep(m.status);
  if (step === 'submit') out.push({ kind: 'submit', merchant: m.merchant, name: m.name });
  if (step === 'review') out.push({ kind: 'review', merchant: m.merchant, name: m.name });
  if (canChangeContract(m.status)) out.push({ kind: 'contract', merchant: m.merchant, name: m.name, feeBps: m.fee_bps, account });
  for (const to of statusTargets(m.status)) {
    // Activation comes after a contract; an approved merchant must sign first.
    if (to === 'active' && m.status !== 'contracted' && m.status !== 'suspended') continue;
    out.push({ kind: 'status', merchant: m.merchant, name: m.name, to });
  }
  return out;
}

export function actionLabel(a: MerchantAction, t: (k: string) => string): string {
  return a.kind === 'status' ? t(`clearing.to.${a.to}`) : t(`clearing.merchants.${a.kind}`);
}

export default function MerchantDrawer({ merchant, version, canAct, onClose, onAction }: Props) {
  const { t } = useTranslation();
  const detail = useCommand<MerchantDetail | null>(
    () => (merchant === null ? Promise.resolve(null) : merchantShow(merchant)),
    [merchant, version],
  );
  const m = detail.data ?? null;

  return (
    <Drawer open={merchant !== null} onClose={onClose} width={640} title={m?.name ?? t('clearing.merchants.detail')} destroyOnHidden>
      <div data-testid="merchant-drawer">
        <RefusalAlert error={detail.error} testId="merchant-drawer-error" />
        {m !== null && (
          <>
            <Space wrap style={{ marginBottom: 16 }}>
              {(canAct ? actionsFor(m, m.settlement_account) : []).map((a) => (
                <Button
                  key={a.kind === 'status' ? a.to : a.kind}
                  danger={a.kind === 'status' && a.to !== 'active'}
                  onClick={() => onAction(a)}
                  data-testid={`merchant-do-${a.kind === 'status' ? a.to : a.kind}`}
                >
                  {actionLabel(a, t)}
                </Button>
              ))}
            </Space>
            <Descriptions column={1} size="small" bordered>
              <Descriptions.Item label={t('clearing.merchants.id')}>{m.merchant}</Descriptions.Item>
              <Descriptions.Item label={t('clearing.merchants.status')}>
                <Tag color={merchantStatusColor(m.status)}>{t(`clearing.status.${m.status}`)}</Tag>
              </Descriptions.Item>
              <Descriptions.Item label={t('clearing.merchants.mall')}>
                {m.mall} / {m.region}
              </Descriptions.Item>
              <Descriptions.Item label={t('clearing.merchants.category')}>{t(`category.${m.category}`, { defaultValue: m.category })}</Descriptions.Item>
              <Descriptions.Item label={t('clearing.merchants.manager')}>{m.account_manager ?? '—'}</Descriptions.Item>
              <Descriptions.Item label={t('clearing.merchants.feeRate')}>{formatBps(m.fee_bps)}</Descriptions.Item>
              <Descriptions.Item label={t('clearing.merchants.contractStart')}>{m.contract_start ?? '—'}</Descriptions.Item>
              <Descriptions.Item label={t('clearing.merchants.account')}>{m.settlement_account ?? '—'}</Descriptions.Item>
              <Descriptions.Item label={t('clearing.merchants.creditCode')}>{m.credit_code ?? '—'}</Descriptions.Item>
              <Descriptions.Item label={t('clearing.merchants.grade')}>
                {m.grade === null ? '—' : <Tag color={gradeColor(m.grade)}>{m.grade}</Tag>}
              </Descriptions.Item>
            </Descriptions>
            <h4 style={{ marginTop: 24 }}>{t('clearing.merchants.history')}</h4>
            <Table<MerchantEvent>
              size="small"
              rowKey={(e) => `${e.at}-${e.to}-${e.from}`}
              dataSource={m.events}
              pagination={false}
              data-testid="merchant-history"
              columns={[
                { title: t('clearing.merchants.at'), dataIndex: 'at', render: (at: string) => formatDateTime(at) },
                {
                  title: t('clearing.merchants.transition'),
                  key: 'tr',
                  render: (_v, e) => (
                    <span>
                      {e.from === '' ? '' : `${t(`clearing.status.${e.from}`, { defaultValue: e.from })} → `}
                      {t(`clearing.status.${e.to}`, { defaultValue: e.to })}
                    </span>
                  ),
                },
                { title: t('clearing.merchants.actor'), dataIndex: 'actor' },
                { title: t('clearing.reason'), dataIndex: 'reason' },
              ]}
            />
            <FeeHistorySection m={m} />
            <RatingHistorySection rows={m.ratings ?? []} />
          </>
        )}
      </div>
    </Drawer>
  );
}

function FeeHistorySection({ m }: { m: MerchantDetail }) {
  const { t } = useTranslation();
  const h = m.fee_history;
  return (
    <div data-testid="merchant-fee-history">
      <h4 style={{ marginTop: 24 }}>{t('clearing.feeHistory.title')}</h4>
      <p style={{ color: 'rgba(0,0,0,0.45)' }}>{t('clearing.feeHistory.precedence')}</p>
      <h5>{t('clearing.feeHistory.contracts')}</h5>
      <Table<ContractChange>
        size="small"
        rowKey={(c) => `${c.at}-${c.fee_bps ?? '-'}-${c.status}`}
        dataSource={h?.contracts ?? []}
        pagination={false}
        data-testid="merchant-contracts"
        locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('clearing.feeHistory.noContract')} /> }}
        columns={[
          { title: t('clearing.merchants.at'), dataIndex: 'at', render: (at: string) => formatDateTime(at) },
          {
            title: t('clearing.feeHistory.contractRate'),
            dataIndex: 'fee_bps',
            render: (b: number | null, c) => (
              <span>
                {b === null ? t('clearing.feeHistory.categoryRate') : formatBps(b)}
                {!c.changed && b !== null ? ` (${t('clearing.feeHistory.unchanged')})` : ''}
              </span>
            ),
          },
          { title: t('clearing.merchants.contractStart'), dataIndex: 'start', render: (d: string | null) => d ?? '—' },
          { title: t('clearing.merchants.actor'), dataIndex: 'actor' },
        ]}
      />
      <h5 style={{ marginTop: 16 }}>{t('clearing.feeHistory.categoryRules', { category: t(`category.${m.category}`, { defaultValue: m.category }) })}</h5>
      <Table<CategoryFeeRule>
        size="small"
        rowKey="rule"
        dataSource={h?.category_rules ?? []}
        pagination={false}
        data-testid="merchant-category-rules"
        columns={[
          { title: t('clearing.feeHistory.kind'), dataIndex: 'kind', render: (k: string) => t(`clearing.feeHistory.kinds.${k}`, { defaultValue: k }) },
          { title: t('clearing.merchants.feeRate'), dataIndex: 'bps', render: (b: number) => formatBps(b) },
          {
            title: t('clearing.feeHistory.days'),
            key: 'days',
            render: (_v, r) => (r.kind === 'base' ? t('clearing.feeHistory.fromThen') : `${r.from ?? '…'} – ${r.to ?? '…'}`),
          },
          { title: t('clearing.merchants.at'), dataIndex: 'at', render: (at: string) => formatDateTime(at) },
          { title: t('clearing.merchants.actor'), dataIndex: 'by' },
        ]}
      />
      <h5 style={{ marginTop: 16 }}>{t('clearing.feeHistory.applied')}</h5>
      <Table<AppliedRate>
        size="small"
        rowKey={(a) => `${a.month}-${a.fee_bps}`}
        dataSource={h?.applied ?? []}
        pagination={(h?.applied.length ?? 0) > 12 ? { pageSize: 12 } : false}
        data-testid="merchant-applied-rates"
        columns={[
          { title: t('clearing.month'), dataIndex: 'month' },
          { title: t('clearing.merchants.feeRate'), dataIndex: 'fee_bps', render: (b: number) => formatBps(b) },
          { title: t('clearing.feeHistory.purchases'), dataIndex: 'purchases', align: 'right' },
          { title: t('clearing.settle.gross'), dataIndex: 'amount', align: 'right', render: (a: string) => <Money amount={a} /> },
          { title: t('clearing.settle.fees'), dataIndex: 'fees', align: 'right', render: (a: string) => <Money amount={a} /> },
        ]}
      />
    </div>
  );
}

function RatingHistorySection({ rows }: { rows: RatingHistoryRow[] }) {
  const { t } = useTranslation();
  return (
    <div data-testid="merchant-rating-history">
      <h4 style={{ marginTop: 24 }}>{t('clearing.ratingHistory.title')}</h4>
      <Table<RatingHistoryRow>
        size="small"
        rowKey="month"
        dataSource={rows}
        pagination={rows.length > 12 ? { pageSize: 12 } : false}
        locale={{ emptyText: <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t('clearing.ratingHistory.none')} /> }}
        columns={[
          { title: t('clearing.month'), dataIndex: 'month' },
          ...ratingColumns<RatingHistoryRow>(t),
          { title: t('clearing.ratingHistory.complaints'), dataIndex: 'complaints', align: 'right' },
          { title: t('clearing.ratingHistory.disputes'), dataIndex: 'disputes', align: 'right' },
        ]}
      />
    </div>
  );
}
