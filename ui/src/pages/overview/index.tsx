// The first screen: today's money movements, what the card base holds, the reserve coverage (for
// those who may read finance data) and which database the console is looking at. Every figure is
// computed by the core (`overview`, `reserve_latest`).
import { Card, Col, Descriptions, Row, Statistic, Table, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Overview, Tally } from '../../bindings';
import Money from '../../components/Money';
import PageTitle from '../../components/PageTitle';
import RefusalAlert from '../../components/RefusalAlert';
import { useCommand } from '../../hooks/useCommand';
import { toLanguage } from '../../i18n';
import { overview } from '../../services/overview';
import { canReadFinance } from '../../access';
import { useSessionState } from '../../session';
import { formatCount } from '../../utils/format';
import { STATUS_COLOR } from '../cards/components/labels';
import ReserveCard from './components/ReserveCard';

function TallyCard({ title, tally, loading, testId }: { title: string; tally?: Tally; loading: boolean; testId: string }) {
  const { t, i18n } = useTranslation();
  return (
    <Card loading={loading}>
      <Statistic
        title={title}
        value={tally?.amount ?? '0.00'}
        formatter={() => <Money amount={tally?.amount} testId={`${testId}-amount`} />}
      />
      <Typography.Text type="secondary" data-testid={`${testId}-count`}>
        {t('overview.transactions', { n: formatCount(tally?.count ?? 0, toLanguage(i18n.language)) })}
      </Typography.Text>
    </Card>
  );
}

function totalCards(data: Overview): number {
  return data.cards_total;
}

export default function OverviewPage() {
  const { t, i18n } = useTranslation();
  const language = toLanguage(i18n.language);
  const { data, error, loading } = useCommand(overview, []);
  const { status, session } = useSessionState();
  const db = status.state === 'ready' ? status.status.db : null;

  return (
    <>
      <PageTitle extra={data && <Typography.Text type="secondary">{t('overview.businessDay', { date: data.date })}</Typography.Text>}>
        {t('overview.title')}
      </PageTitle>
      <RefusalAlert error={error} testId="overview-error" />
      <Row gutter={[16, 16]}>
        {canReadFinance(session?.role) && (
          <Col xs={24}>
            <ReserveCard />
          </Col>
        )}
        <Col xs={24} md={8}>
          <TallyCard title={t('overview.topUps')} tally={data?.top_ups} loading={loading} testId="overview-topups" />
        </Col>
        <Col xs={24} md={8}>
          <TallyCard title={t('overview.purchases')} tally={data?.purchases} loading={loading} testId="overview-purchases" />
        </Col>
        <Col xs={24} md={8}>
          <TallyCard title={t('overview.refunds')} tally={data?.refunds} loading={loading} testId="overview-refunds" />
        </Col>
        <Col xs={24} md={12}>
          <Card loading={loading}>
            <Statistic
              title={t('overview.outstanding')}
              value={data?.outstanding_balance ?? '0.00'}
              formatter={() => <Money amount={data?.outstanding_balance} testId="overview-outstanding" strong />}
            />
            <Typography.Text type="secondary">{t('overview.outstandingHint')}</Typography.Text>
          </Card>
        </Col>
        <Col xs={24} md={12}>
          <Card loading={loading}>
            <Statistic
              title={t('overview.cardCount')}
              value={data === undefined ? 0 : totalCards(data)}
              formatter={() => (
                <span data-testid="card-count">
                  {data === undefined ? t('common.none') : formatCount(totalCards(data), language)}
                </span>
              )}
            />
          </Card>
        </Col>
        <Col xs={24} md={12}>
          <Card title={t('overview.byStatus')} size="small">
            <Table
              size="small"
              pagination={false}
              loading={loading}
              rowKey="status"
              dataSource={data?.cards_by_status ?? []}
              columns={[
                { title: t('cards.status'), dataIndex: 'status', render: (s: string) => <Tag color={STATUS_COLOR[s]}>{t(`cardStatus.${s}`)}</Tag> },
                { title: t('overview.count'), dataIndex: 'count', align: 'right', render: (n: number) => formatCount(n, language) },
              ]}
            />
          </Card>
        </Col>
        <Col xs={24} md={12}>
          <Card title={t('overview.byType')} size="small">
            <Table
              size="small"
              pagination={false}
              loading={loading}
              rowKey="card_type"
              dataSource={data?.cards_by_type ?? []}
              columns={[
                { title: t('cards.type'), dataIndex: 'card_type', render: (s: string) => t(`cardType.${s}`) },
                { title: t('overview.count'), dataIndex: 'count', align: 'right', render: (n: number) => formatCount(n, language) },
              ]}
            />
          </Card>
        </Col>
        <Col xs={24}>
          <Card title={t('overview.database')} size="small">
            <Descriptions column={1} size="small">
              <Descriptions.Item label={t('overview.dbLocation')}>
                <Typography.Text data-testid="db-url" copyable={db !== null}>
                  {db?.url ?? t('common.none')}
                </Typography.Text>
              </Descriptions.Item>
              <Descriptions.Item label={t('overview.dbBackend')}>
                <span data-testid="db-backend">{db === null ? t('common.none') : t(`backend.${db.backend}`)}</span>
              </Descriptions.Item>
            </Descriptions>
          </Card>
        </Col>
      </Row>
    </>
  );
}
