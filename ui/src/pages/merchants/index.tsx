// Merchants (商户): the directory with a status filter, the review queue (submitted merchants,
// approve/reject), the onboarding wizard and a detail drawer with contract, rate and history.
// The core decides who may do what (maker-checker, scopes); buttons only follow the status.
import { useState } from 'react';
import { App, Button, Card, Select, Space, Table, Tabs, Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import PageTitle from '../../components/PageTitle';
import { useSession } from '../../session';
import RefusalAlert from '../../components/RefusalAlert';
import { useCommand } from '../../hooks/useCommand';
import {
  formatBps,
  gradeColor,
  MERCHANT_STATUSES,
  merchantDirectory,
  merchantStatusColor,
  nextOnboardingStep,
  type MerchantChange,
  type MerchantRow,
} from '../../services/clearing';
import MerchantActionDialog, { type MerchantAction } from './components/MerchantActionDialog';
import MerchantDrawer, { actionLabel, actionsFor } from './components/MerchantDrawer';

export default function MerchantsPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  // Auditors read; every other role that sees this page may act within its scope (the core checks).
  const canAct = useSession().role !== 'auditor';
  const [tab, setTab] = useState<'all' | 'review'>('all');
  const [status, setStatus] = useState<string | undefined>(undefined);
  const [version, setVersion] = useState(0);
  const filter = tab === 'review' ? 'submitted' : status;
  const list = useCommand(() => merchantDirectory(filter), [filter, version]);
  const [open, setOpen] = useState<number | null>(null);
  const [action, setAction] = useState<MerchantAction | null>(null);

  const done = (change: MerchantChange) => {
    setAction(null);
    setVersion((n) => n + 1);
    void message.success(t('clearing.merchants.changed', { id: change.merchant, status: t(`clearing.status.${change.status}`) }));
    // The wizard goes on to the next step of the merchant just applied for or changed.
    const step = nextOnboardingStep(change.status);
    if (step === 'submit' && action?.kind === 'apply') setOpen(change.merchant);
  };

  const table = (
    <Table<MerchantRow>
      rowKey="merchant"
      loading={list.loading}
      dataSource={list.data ?? []}
      pagination={{ pageSize: 20, showSizeChanger: false }}
      size="middle"
      data-testid="merchants-table"
      onRow={(m) => ({ onDoubleClick: () => setOpen(m.merchant) })}
      columns={[
        { title: t('clearing.merchants.id'), dataIndex: 'merchant', width: 80 },
        { title: t('clearing.merchants.name'), dataIndex: 'name' },
        { title: t('clearing.merchants.mall'), dataIndex: 'mall' },
        { title: t('clearing.merchants.category'), dataIndex: 'category', render: (c: string) => t(`category.${c}`, { defaultValue: c }) },
        {
          title: t('clearing.merchants.status'),
          dataIndex: 'status',
          render: (s: string) => <Tag color={merchantStatusColor(s)}>{t(`clearing.status.${s}`, { defaultValue: s })}</Tag>,
        },
        { title: t('clearing.merchants.feeRate'), dataIndex: 'fee_bps', align: 'right', render: (b: number | null) => formatBps(b) },
        { title: t('clearing.merchants.grade'), dataIndex: 'grade', render: (g: string | null) => (g === null ? '—' : <Tag color={gradeColor(g)}>{g}</Tag>) },
        { title: t('clearing.merchants.manager'), dataIndex: 'account_manager', render: (u: string | null) => u ?? '—' },
        {
          key: 'actions',
          title: '',
          render: (_v, m) => (
            <Space size="small">
              <Button size="small" onClick={() => setOpen(m.merchant)} data-testid={`merchant-open-${m.merchant}`}>
                {t('clearing.merchants.detail')}
              </Button>
              {!canAct ? null : tab === 'review' ? (
                <>
                  <Button size="small" type="primary" onClick={() => setAction({ kind: 'review', merchant: m.merchant, name: m.name, approve: true })}>
                    {t('clearing.merchants.approve')}
                  </Button>
                  <Button size="small" danger onClick={() => setAction({ kind: 'review', merchant: m.merchant, name: m.name, approve: false })}>
                    {t('clearing.merchants.reject')}
                  </Button>
                </>
              ) : (
                actionsFor(m, null)
                  .filter((a) => a.kind !== 'status')
                  .slice(0, 1)
                  .map((a) => (
                    <Button size="small" type="link" key={a.kind} onClick={() => setAction(a)}>
                      {actionLabel(a, t)}
                    </Button>
                  ))
              )}
            </Space>
          ),
        },
      ]}
    />
  );

  return (
    <>
      <PageTitle
        extra={
          canAct && (
            <Button type="primary" onClick={() => setAction({ kind: 'apply' })} data-testid="merchants-apply">
              {t('clearing.merchants.apply')}
            </Button>
          )
        }
      >
        {t('menu.merchants')}
      </PageTitle>
      <Card>
        <RefusalAlert error={list.error} testId="merchants-error" />
        <Tabs
          activeKey={tab}
          onChange={(k) => setTab(k === 'review' ? 'review' : 'all')}
          tabBarExtraContent={
            tab === 'all' && (
              <Select
                allowClear
                style={{ width: 180 }}
                placeholder={t('clearing.merchants.statusFilter')}
                value={status}
                onChange={(v: string | undefined) => setStatus(v)}
                options={MERCHANT_STATUSES.map((s) => ({ value: s, label: t(`clearing.status.${s}`) }))}
                data-testid="merchants-status"
              />
            )
          }
          items={[
            { key: 'all', label: t('clearing.merchants.all'), children: tab === 'all' && table },
            { key: 'review', label: t('clearing.merchants.reviewQueue'), children: tab === 'review' && table },
          ]}
        />
      </Card>
      <MerchantDrawer merchant={open} version={version} canAct={canAct} onClose={() => setOpen(null)} onAction={setAction} />
      <MerchantActionDialog key={action === null ? 'none' : JSON.stringify(action)} action={action} onClose={() => setAction(null)} onDone={done} />
    </>
  );
}
