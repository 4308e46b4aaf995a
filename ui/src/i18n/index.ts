// Languages of the console. zh-CN is the default (the operators are in Chinese malls); en-US is
// complete. Every user-visible string lives in ../locales, and Ant Design's own texts (pagination,
// date pickers, empty states) follow the same language through `antdLocale`.
import i18next, { type i18n as I18n } from 'i18next';
import { initReactI18next } from 'react-i18next';
import type { Locale } from 'antd/es/locale';
import antdEnUS from 'antd/locale/en_US';
import antdZhCN from 'antd/locale/zh_CN';
import enUS from '../locales/en-US.json';
import zhCN from '../locales/zh-CN.json';

export const LANGUAGES = ['zh-CN', 'en-US'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'zh-CN';

export const resources = {
  'zh-CN': { translation: zhCN },
  'en-US': { translation: enUS },
} as const;

const ANTD_LOCALES: Record<Language, Locale> = { 'zh-CN': antdZhCN, 'en-US': antdEnUS };

// The choice survives a restart; the webview's localStorage lives in the app's data dir.
const STORAGE_KEY = 'onecard.language';

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** The supported language for an i18next language tag, falling back to the default. */
export function toLanguage(tag: string | undefined): Language {
  return isLanguage(tag) ? tag : DEFAULT_LANGUAGE;
}

export function antdLocale(language: Language): Locale {
  return ANTD_LOCALES[language];
}

/** A fresh, initialized i18next instance (tests build their own; the app uses `i18n` below). */
export function createI18n(language: Language = DEFAULT_LANGUAGE): I18n {
  const instance = i18next.createInstance();
  void instance.use(initReactI18next).init({
    resources,
    lng: language,
    fallbackLng: DEFAULT_LANGUAGE,
    // React already escapes what it renders.
    interpolation: { escapeValue: false },
    initAsync: false,
    // No console advertisement in the app or in test output.
    showSupportNotice: false,
  });
  return instance;
}

function storedLanguage(): Language {
  try {
    return toLanguage(globalThis.localStorage?.getItem(STORAGE_KEY) ?? undefined);
  } catch {
    return DEFAULT_LANGUAGE;
  }
}

export const i18n = createI18n(storedLanguage());

export async function changeLanguage(language: Language): Promise<void> {
  await i18n.changeLanguage(language);
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, language);
  } catch {
    // Storage can be unavailable (private mode, tests): the switch still works for this session.
  }
}
