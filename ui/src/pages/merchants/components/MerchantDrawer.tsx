// One merchant: contract, fee rate, credentials and every onboarding transition (merchant_show),
// with the actions its status allows.
import { Button, Descriptions, Drawer, Space, Table, Tag } from 'antd';
import { useTranslation } from 'react-i18next';
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
  type MerchantDetail,
  type MerchantEvent,
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
          </>
        )}
      </div>
    </Drawer>
  );
}
