// Which rules apply to the card being issued (PBoC prepaid-card rules, as configured: rules_get),
// so the operator can tell the customer before issuing, not after a refusal.
import { Alert, Descriptions, Skeleton } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Rules } from '../../../bindings';
import Money from '../../../components/Money';

export default function RulesPanel({ rules, registered }: { rules: Rules | undefined; registered: boolean }) {
  const { t } = useTranslation();
  if (rules === undefined) return <Skeleton active />;
  return (
    <div data-testid="issue-rules">
      <Alert
        type="info"
        showIcon
        style={{ marginBottom: 12 }}
        message={registered ? t('issue.rules.registeredTitle') : t('issue.rules.anonymousTitle')}
      />
      <Descriptions column={1} size="small" bordered>
        <Descriptions.Item label={t('issue.rules.cap')}>
          <Money amount={registered ? rules.balance_cap_registered : rules.balance_cap_anonymous} strong />
        </Descriptions.Item>
        <Descriptions.Item label={t('issue.rules.expiry')}>
          {registered ? t('issue.rules.noExpiry') : t('issue.rules.validity', { n: rules.anonymous_validity_years })}
        </Descriptions.Item>
        <Descriptions.Item label={t('issue.rules.loss')}>
          {registered ? t('issue.rules.lossYes') : t('issue.rules.lossNo')}
        </Descriptions.Item>
        <Descriptions.Item label={t('issue.rules.redemption')}>
          {registered ? t('issue.rules.redemptionAfter', { n: rules.redemption_min_months }) : t('issue.rules.redemptionNo')}
        </Descriptions.Item>
        <Descriptions.Item label={t('issue.rules.realName')}>
          {registered ? t('issue.rules.realNameRegistered') : t('issue.rules.realNameAnonymous')}
        </Descriptions.Item>
      </Descriptions>
    </div>
  );
}
