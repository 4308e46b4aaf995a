// The cashier: take a card payment, or refund one back to its card.
import { Card, Tabs } from 'antd';
import { useTranslation } from 'react-i18next';
import { can } from '../../access';
import PageTitle from '../../components/PageTitle';
import { useSession } from '../../session';
import PayForm from './components/PayForm';
import RefundPanel from './components/RefundPanel';

export default function CashierPage() {
  const { t } = useTranslation();
  const { permissions } = useSession();
  const canRefund = can(permissions, 'refund');
  return (
    <>
      <PageTitle>{t('menu.cashier')}</PageTitle>
      <Card>
        <Tabs
          destroyOnHidden
          items={[
            { key: 'pay', label: <span data-testid="cashier-tab-pay">{t('cashier.pay')}</span>, children: <PayForm /> },
            ...(canRefund
              ? [{ key: 'refund', label: <span data-testid="cashier-tab-refund">{t('cashier.refund')}</span>, children: <RefundPanel canRefund={canRefund} /> }]
              : []),
          ]}
        />
      </Card>
    </>
  );
}
