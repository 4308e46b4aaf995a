// The first screen: how big the card base is and which database the console is looking at.
// The two reads are independent: the location is still shown when the database refuses to open,
// which is exactly when an operator needs it.
import { useEffect, useState } from 'react';
import { Alert, Card, Col, Descriptions, Row, Statistic, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { cardCount, dbInfo, errorMessage, toCommandError, type CommandError, type DbInfo } from '../../services';
import { toLanguage } from '../../i18n';
import { formatCount } from '../../utils/format';

type Load<T> =
  | { state: 'loading' }
  | { state: 'ready'; value: T }
  | { state: 'failed'; error: CommandError };

function settle<T>(result: PromiseSettledResult<T>): Load<T> {
  return result.status === 'fulfilled'
    ? { state: 'ready', value: result.value }
    : { state: 'failed', error: toCommandError(result.reason) };
}

export default function OverviewPage() {
  const { t, i18n } = useTranslation();
  const language = toLanguage(i18n.language);
  const [count, setCount] = useState<Load<number>>({ state: 'loading' });
  const [db, setDb] = useState<Load<DbInfo>>({ state: 'loading' });

  useEffect(() => {
    let live = true;
    void Promise.allSettled([cardCount(), dbInfo()]).then(([c, d]) => {
      if (!live) return;
      setCount(settle(c));
      setDb(settle(d));
    });
    return () => {
      live = false;
    };
  }, []);

  // Errors are kept as codes and translated at render time, so a language switch re-translates them.
  const failures = [count, db].flatMap((load) => (load.state === 'failed' ? [load.error] : []));
  const uniqueFailures = failures.filter(
    (e, i) => failures.findIndex((o) => o.code === e.code && o.message === e.message) === i,
  );

  return (
    <>
      <Typography.Title level={4} style={{ marginTop: 0 }}>
        {t('overview.title')}
      </Typography.Title>
      {uniqueFailures.map((error) => (
        <Alert
          key={`${error.code}:${error.message}`}
          data-testid="overview-error"
          type="error"
          showIcon
          style={{ marginBottom: 16 }}
          message={errorMessage(error, t)}
          description={error.message}
        />
      ))}
      <Row gutter={[16, 16]}>
        <Col xs={24} md={8}>
          <Card>
            <Statistic
              title={t('overview.cardCount')}
              loading={count.state === 'loading'}
              value={count.state === 'ready' ? count.value : 0}
              formatter={() => (
                <span data-testid="card-count">
                  {count.state === 'ready'
                    ? formatCount(count.value, language)
                    : t('overview.unavailable')}
                </span>
              )}
            />
          </Card>
        </Col>
        <Col xs={24} md={16}>
          <Card title={t('overview.database')} loading={db.state === 'loading'}>
            <Descriptions column={1} size="small">
              <Descriptions.Item label={t('overview.dbLocation')}>
                <Typography.Text data-testid="db-url" copyable={db.state === 'ready'}>
                  {db.state === 'ready' ? db.value.url : t('overview.unavailable')}
                </Typography.Text>
              </Descriptions.Item>
              <Descriptions.Item label={t('overview.dbBackend')}>
                <span data-testid="db-backend">
                  {db.state === 'ready' ? t(`backend.${db.value.backend}`) : t('overview.unavailable')}
                </span>
              </Descriptions.Item>
            </Descriptions>
          </Card>
        </Col>
      </Row>
    </>
  );
}
