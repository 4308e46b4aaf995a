// User administration (admins only; the core refuses others with `forbidden`).
import type { UserAddRequest, UserInfo } from '../bindings';
import { call } from './ipc';

export function userList(): Promise<UserInfo[]> {
  return call<UserInfo[]>('user_list');
}

export function userAdd(request: UserAddRequest): Promise<UserInfo> {
  return call<UserInfo>('user_add', { request });
}

export function userSetPassword(name: string, password: string): Promise<null> {
  return call<null>('user_set_password', { name, password });
}

export function userLock(name: string): Promise<UserInfo> {
  return call<UserInfo>('user_lock', { name });
}

export function userUnlock(name: string): Promise<UserInfo> {
  return call<UserInfo>('user_unlock', { name });
}
