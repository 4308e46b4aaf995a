// The outcome of a payment: what was charged and the card's balance after it.
import { Alert } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Movement } from '../../../bindings';
import Money from '../../../components/Money';
import { maskCard } from '../../../utils/mask';

export default function PayResult({ movement }: { movement: Movement }) {
  const { t } = useTranslation();
  return (
    <Alert
      type="success"
      showIcon
      style={{ marginBottom: 16 }}
      message={
        <span>
          {t('cashier.paid', { card: maskCard(movement.card) })} <Money amount={movement.amount} />
        </span>
      }
      description={
        <span>
          {t('cashier.balanceAfter')} <Money amount={movement.balance_after} strong testId="pay-result-balance" />
          {movement.replayed && <> · {t('common.replayed')}</>}
        </span>
      }
    />
  );
}
