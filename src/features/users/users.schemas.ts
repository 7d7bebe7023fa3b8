import { Type } from '@sinclair/typebox';

export const Language = Type.Union([Type.Literal('en'), Type.Literal('fr')], { description: 'Language of the interface and of error messages' });
export const Email = Type.String({ format: 'email', minLength: 3, maxLength: 254, examples: ['alice@example.com'] });
export const Password = Type.String({ minLength: 8, maxLength: 256, description: '8 to 256 characters' });

export const UserSchema = Type.Object({
  id: Type.Integer(),
  email: Type.String(),
  language: Language,
  role: Type.Union([Type.Literal('user'), Type.Literal('admin')]),
  disabled: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
});

export const TokenSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  scope: Type.Union([Type.Literal('read'), Type.Literal('write')]),
  prefix: Type.String({ description: 'The first characters of the secret, to recognise it' }),
  expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
});

export const RegistrationBody = Type.Object(
  { email: Email, password: Password, language: Type.Optional(Language) },
  { additionalProperties: false },
);

export const RegistrationReply = Type.Object({
  user: UserSchema,
  token: Type.String({ description: 'A read-write API token, shown this once' }),
  tokenInfo: TokenSchema,
});

export const MePatchBody = Type.Object({ language: Type.Optional(Language) }, { additionalProperties: false, minProperties: 1 });

export const PasswordChangeBody = Type.Object(
  { currentPassword: Type.String({ minLength: 1, maxLength: 256 }), newPassword: Password },
  { additionalProperties: false },
);
