// Wires the language into everything that shows text: i18next for ours, ConfigProvider for Ant
// Design's, and the document's lang/title for the webview (fonts, screen readers).
import { useEffect } from 'react';
import { App as AntApp, ConfigProvider } from 'antd';
import { I18nextProvider } from 'react-i18next';
import { useTranslation } from 'react-i18next';
import { antdLocale, i18n, toLanguage } from './i18n';
import ShellLayout from './layouts/ShellLayout';

function LocalizedApp() {
  const { t, i18n: current } = useTranslation();
  const language = toLanguage(current.language);

  useEffect(() => {
    document.documentElement.lang = language;
    document.title = t('app.title');
  }, [language, t]);

  return (
    <ConfigProvider locale={antdLocale(language)}>
      <AntApp>
        <ShellLayout />
      </AntApp>
    </ConfigProvider>
  );
}

export default function App() {
  return (
    <I18nextProvider i18n={i18n}>
      <LocalizedApp />
    </I18nextProvider>
  );
}
