import type { UserRow } from '../../db/types.js';

export interface UserDto {
  id: number;
  email: string;
  language: 'en' | 'fr';
  role: 'user' | 'admin';
  disabled: boolean;
  createdAt: string;
}

export function toUserDto(row: UserRow): UserDto {
  return {
    id: row.id,
    email: row.email,
    language: row.language,
    role: row.role,
    disabled: row.disabled_at !== null,
    createdAt: row.created_at,
  };
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
