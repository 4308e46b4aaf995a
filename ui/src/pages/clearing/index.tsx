// Clearing center (清算中心): settlement of a business day, reconciliation and the monthly rating.
// Finance and admins act; auditors read (the core refuses them anything else with `forbidden`).
import { useMemo, useState } from 'react';
import { Card, Input, Space, Tabs, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import PageTitle from '../../components/PageTitle';
import { useCommand } from '../../hooks/useCommand';
import { dayString, merchantDirectory } from '../../services/clearing';
import { useSession } from '../../session';
import RatingTab from './components/RatingTab';
import ReconciliationTab from './components/ReconciliationTab';
import SettlementTab from './components/SettlementTab';

function yesterday(): string {
  const d = new Date();
  d.setDate(d.getDate() - 1);
  return dayString(d);
}

export default function ClearingPage() {
  const { t } = useTranslation();
  const session = useSession();
  // Settling, marking payouts, resolving and rating are finance's (and the admin's); auditors read.
  const canWrite = session.role === 'admin' || session.role === 'finance';
  const [tab, setTab] = useState('settlement');
  const [date, setDate] = useState(yesterday);
  const [month, setMonth] = useState(() => yesterday().slice(0, 7));
  // Names for the lines (batches and ratings carry merchant ids only); ids alone if this fails.
  const directory = useCommand(() => merchantDirectory(), []);
  const names = useMemo(() => new Map((directory.data ?? []).map((m) => [m.merchant, m.name])), [directory.data]);

  const picker =
    tab === 'rating' ? (
      <Space>
        <Typography.Text>{t('clearing.month')}</Typography.Text>
        <Input type="month" value={month} onChange={(e) => e.target.value !== '' && setMonth(e.target.value)} data-testid="clearing-month" />
      </Space>
    ) : (
      <Space>
        <Typography.Text>{t('clearing.date')}</Typography.Text>
        <Input type="date" value={date} onChange={(e) => e.target.value !== '' && setDate(e.target.value)} data-testid="clearing-date" />
      </Space>
    );

  return (
    <>
      <PageTitle extra={picker}>{t('menu.clearing')}</PageTitle>
      <Card>
        <Tabs
          activeKey={tab}
          onChange={setTab}
          destroyOnHidden
          items={[
            { key: 'settlement', label: t('clearing.tabs.settlement'), children: <SettlementTab date={date} canWrite={canWrite} names={names} onShowDay={setDate} defaultTo={yesterday()} /> },
            { key: 'recon', label: t('clearing.tabs.recon'), children: <ReconciliationTab date={date} canWrite={canWrite} /> },
            { key: 'rating', label: t('clearing.tabs.rating'), children: <RatingTab month={month} canWrite={canWrite} names={names} /> },
          ]}
        />
      </Card>
    </>
  );
}
