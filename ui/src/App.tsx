// Wires the language and the workstation preferences into everything that shows text (i18next for
// ours, ConfigProvider for Ant Design's, the document's lang/title for the webview), then picks
// the screen: database unavailable, first start, sign-in, or the console itself.
import { useEffect } from 'react';
import { App as AntApp, ConfigProvider, Flex, Spin, theme } from 'antd';
import { I18nextProvider, useTranslation } from 'react-i18next';
import { antdLocale, i18n, toLanguage } from './i18n';
import ShellLayout from './layouts/ShellLayout';
import DbErrorPage from './pages/dbError';
import LoginPage from './pages/login';
import SetupPage from './pages/setup';
import { PreferencesProvider, usePreferences } from './preferences';
import { SessionProvider, useSessionState } from './session';

/** Ant Design's base font size; simple mode (older staff) raises it for every component. */
const FONT_SIZE = { normal: 14, simple: 18 } as const;

function Gate() {
  const { status, session } = useSessionState();
  if (status.state === 'loading') {
    return (
      <Flex align="center" justify="center" style={{ minHeight: '100vh' }}>
        <Spin size="large" />
      </Flex>
    );
  }
  if (status.state === 'failed') return <DbErrorPage error={status.error} db={null} />;
  const s = status.status;
  if (!s.db_ok) return <DbErrorPage error={s.db_error} db={s.db} />;
  if (s.needs_setup) return <SetupPage />;
  if (session === null) return <LoginPage status={s} />;
  return <ShellLayout />;
}

function LocalizedApp() {
  const { t, i18n: current } = useTranslation();
  const language = toLanguage(current.language);
  const prefs = usePreferences();

  useEffect(() => {
    document.documentElement.lang = language;
    document.title = t('app.title');
  }, [language, t]);

  return (
    <ConfigProvider
      locale={antdLocale(language)}
      theme={{
        algorithm: prefs.theme === 'dark' ? theme.darkAlgorithm : theme.defaultAlgorithm,
        token: { fontSize: prefs.simple ? FONT_SIZE.simple : FONT_SIZE.normal },
      }}
    >
      <AntApp>
        <SessionProvider>
          <Gate />
        </SessionProvider>
      </AntApp>
    </ConfigProvider>
  );
}

export default function App() {
  return (
    <I18nextProvider i18n={i18n}>
      <PreferencesProvider>
        <LocalizedApp />
      </PreferencesProvider>
    </I18nextProvider>
  );
}
