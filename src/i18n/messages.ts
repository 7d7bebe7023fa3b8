/**
 * Every text the API sends to a person, in English and French. Keys are stable problem codes;
 * `{name}` placeholders are filled from the error's params.
 */
export type Language = 'en' | 'fr';
export const LANGUAGES: readonly Language[] = ['en', 'fr'];

const en = {
  // titles (problem+json "title")
  'title.400': 'Bad request',
  'title.401': 'Not authenticated',
  'title.403': 'Forbidden',
  'title.404': 'Not found',
  'title.405': 'Method not allowed',
  'title.409': 'Conflict',
  'title.413': 'Payload too large',
  'title.415': 'Unsupported media type',
  'title.416': 'Range not satisfiable',
  'title.408': 'Request timeout',
  'title.431': 'Request header fields too large',
  'title.422': 'Unprocessable content',
  'title.429': 'Too many requests',
  'title.500': 'Internal server error',
  'title.503': 'Service unavailable',

  // generic
  'validation-failed': 'The request is not valid: {summary}',
  'malformed-json': 'The request body is not valid JSON.',
  'headers-too-large': 'The URL or the headers are larger than the server accepts.',
  'request-timeout': 'The request did not arrive in time.',
  'malformed-request': 'The request is not valid HTTP.',
  'empty-body': 'The request body is empty; a JSON object was expected.',
  'body-too-large': 'The request body is larger than the {limit} bytes allowed.',
  'unsupported-media-type': 'The content type "{contentType}" is not supported here; send application/json.',
  'route-not-found': 'There is no route {method} {url}.',
  'method-not-allowed': 'The method {method} is not allowed on {url}; allowed: {allow}.',
  'rate-limited': 'Too many requests from your address; try again in {retryAfter} seconds.',
  'internal-error': 'Something went wrong on our side. The problem was logged with request id {requestId}.',
  'not-ready': 'The service is not ready: {reason}.',
  'metrics-token-invalid': 'The metrics endpoint needs "Authorization: Bearer <METRICS_TOKEN>".',

  // auth
  'auth-required': 'Authentication is required: send "Authorization: Bearer <token>" or log in.',
  'token-invalid': 'The token is unknown, revoked or expired.',
  'account-disabled': 'This account is disabled.',
  'read-only-token': 'This token is read-only; use a token with the "write" scope for this request.',
  'admin-only': 'Only administrators may do this.',
  'csrf-failed': 'The X-CSRF-Token header is missing or wrong for this session.',
  'login-failed': 'The e-mail address or the password is wrong.',
  'password-wrong': 'The current password is wrong.',
  'reset-token-invalid': 'This password reset link is unknown, expired or already used.',

  // users
  'email-taken': 'An account with this e-mail address already exists.',
  'user-not-found': 'No such user.',
  'last-admin': 'The last active administrator cannot be disabled or demoted.',
  'self-disable': 'You cannot disable your own account.',

  // tokens
  'token-not-found': 'No such API token.',
  'expiry-in-past': 'The expiry date must be in the future.',

  // types
  'type-not-found': 'No such product type.',
  'type-name-taken': 'A product type with this name already exists.',
  'type-in-use': 'This product type is used by {count} product(s) and cannot be deleted.',

  // freezers
  'freezer-not-found': 'No such freezer.',
  'freezer-has-history': 'This freezer holds or has held products ({count}); it cannot be deleted.',
  'box-count-too-small': 'Box {box} still holds products; the freezer needs at least {box} boxes.',

  // products
  'product-not-found': 'No such product.',
  'date-in-future': 'The date in cannot be in the future.',
  'date-out-future': 'The date out cannot be in the future.',
  'date-out-before-in': 'The date out cannot be before the date in ({dateIn}).',
  'box-out-of-range': 'The box must be between 1 and {boxCount}, the number of boxes of this freezer.',
  'slot-taken': 'Slot {slot} of box {box} is already used by another product inside.',
  'already-out': 'This product is no longer inside the freezer.',
  'not-taken-out': 'This product has not been taken out.',
  'too-many-portions': 'Only {quantity} portion(s) are inside; cannot take out {portions}.',
  'invalid-date': 'Not a valid date: "{value}" (expected YYYY-MM-DD).',

  // photos
  'photo-not-found': 'No such photo.',
  'photo-no-files': 'The request holds no file: send one or more "file" parts (multipart/form-data).',
  'photo-bad-multipart': 'The request is not well-formed multipart/form-data.',
  'photo-too-many-files': 'At most {limit} files can be sent in one request.',
  'photo-bad-field': 'The field "{field}" is not valid: {reason}.',
  'photo-empty': 'The file is empty.',
  'photo-unsupported-type': 'This file is not an image this server takes (JPEG, PNG, WebP, AVIF, GIF): its content does not start like one, whatever its name says.',
  'photo-heic-unsupported': 'HEIC images cannot be read by this server; convert the file to JPEG.',
  'photo-too-large': 'The file is larger than the {limit} bytes allowed per file.',
  'photo-request-too-large': 'The files of this request add up to more than the {limit} bytes allowed per request.',
  'photo-corrupt': 'The image cannot be read: the file is damaged or incomplete.',
  'photo-too-many-pixels': 'The image has {pixels} pixels; at most {limit} are accepted.',
  'photo-preview-failed': 'The preview of this photo could not be made.',
  'photo-not-attached': 'This photo is not attached to this product.',
  'range-not-satisfiable': 'The requested range is outside the file ({size} bytes).',
} as const;

export type MessageKey = keyof typeof en;

const fr: Record<MessageKey, string> = {
  'title.400': 'Requête invalide',
  'title.401': 'Non authentifié',
  'title.403': 'Interdit',
  'title.404': 'Introuvable',
  'title.405': 'Méthode non autorisée',
  'title.409': 'Conflit',
  'title.413': 'Contenu trop volumineux',
  'title.415': 'Type de contenu non pris en charge',
  'title.416': 'Plage non satisfaisable',
  'title.408': 'Délai de requête dépassé',
  'title.431': 'En-têtes de requête trop volumineux',
  'title.422': 'Contenu impossible à traiter',
  'title.429': 'Trop de requêtes',
  'title.500': 'Erreur interne du serveur',
  'title.503': 'Service indisponible',

  'validation-failed': "La requête n'est pas valide : {summary}",
  'malformed-json': "Le corps de la requête n'est pas du JSON valide.",
  'headers-too-large': "L'URL ou les en-têtes dépassent ce que le serveur accepte.",
  'request-timeout': "La requête n'est pas arrivée à temps.",
  'malformed-request': "La requête n'est pas du HTTP valide.",
  'empty-body': 'Le corps de la requête est vide ; un objet JSON était attendu.',
  'body-too-large': 'Le corps de la requête dépasse les {limit} octets autorisés.',
  'unsupported-media-type': "Le type de contenu « {contentType} » n'est pas accepté ici ; envoyez application/json.",
  'route-not-found': "La route {method} {url} n'existe pas.",
  'method-not-allowed': "La méthode {method} n'est pas autorisée sur {url} ; autorisées : {allow}.",
  'rate-limited': 'Trop de requêtes depuis votre adresse ; réessayez dans {retryAfter} secondes.',
  'internal-error': 'Un problème est survenu de notre côté. Il a été consigné avec l’identifiant de requête {requestId}.',
  'not-ready': "Le service n'est pas prêt : {reason}.",
  'metrics-token-invalid': 'Les métriques demandent « Authorization: Bearer <METRICS_TOKEN> ».',

  'auth-required': 'Une authentification est requise : envoyez « Authorization: Bearer <jeton> » ou connectez-vous.',
  'token-invalid': 'Le jeton est inconnu, révoqué ou expiré.',
  'account-disabled': 'Ce compte est désactivé.',
  'read-only-token': 'Ce jeton est en lecture seule ; utilisez un jeton avec la portée « write » pour cette requête.',
  'admin-only': 'Seuls les administrateurs peuvent faire cela.',
  'csrf-failed': "L'en-tête X-CSRF-Token est absent ou incorrect pour cette session.",
  'login-failed': "L'adresse e-mail ou le mot de passe est incorrect.",
  'password-wrong': 'Le mot de passe actuel est incorrect.',
  'reset-token-invalid': 'Ce lien de réinitialisation du mot de passe est inconnu, expiré ou déjà utilisé.',

  'email-taken': 'Un compte existe déjà avec cette adresse e-mail.',
  'user-not-found': 'Utilisateur introuvable.',
  'last-admin': 'Le dernier administrateur actif ne peut être ni désactivé ni rétrogradé.',
  'self-disable': 'Vous ne pouvez pas désactiver votre propre compte.',

  'token-not-found': "Ce jeton d'API n'existe pas.",
  'expiry-in-past': "La date d'expiration doit être dans le futur.",

  'type-not-found': "Ce type de produit n'existe pas.",
  'type-name-taken': 'Un type de produit porte déjà ce nom.',
  'type-in-use': 'Ce type de produit est utilisé par {count} produit(s) et ne peut pas être supprimé.',

  'freezer-not-found': "Ce congélateur n'existe pas.",
  'freezer-has-history': 'Ce congélateur contient ou a contenu des produits ({count}) ; il ne peut pas être supprimé.',
  'box-count-too-small': 'Le tiroir {box} contient encore des produits ; le congélateur doit avoir au moins {box} tiroirs.',

  'product-not-found': "Ce produit n'existe pas.",
  'date-in-future': "La date d'entrée ne peut pas être dans le futur.",
  'date-out-future': 'La date de sortie ne peut pas être dans le futur.',
  'date-out-before-in': "La date de sortie ne peut pas précéder la date d'entrée ({dateIn}).",
  'box-out-of-range': 'Le tiroir doit être compris entre 1 et {boxCount}, le nombre de tiroirs de ce congélateur.',
  'slot-taken': "L'emplacement {slot} du tiroir {box} est déjà occupé par un autre produit.",
  'already-out': "Ce produit n'est plus dans le congélateur.",
  'not-taken-out': "Ce produit n'a pas été sorti.",
  'too-many-portions': 'Seulement {quantity} portion(s) à l’intérieur ; impossible d’en sortir {portions}.',
  'invalid-date': 'Date invalide : « {value} » (format attendu AAAA-MM-JJ).',

  'photo-not-found': "Cette photo n'existe pas.",
  'photo-no-files': 'La requête ne contient aucun fichier : envoyez une ou plusieurs parties « file » (multipart/form-data).',
  'photo-bad-multipart': "La requête n'est pas un multipart/form-data bien formé.",
  'photo-too-many-files': 'Au plus {limit} fichiers peuvent être envoyés en une requête.',
  'photo-bad-field': "Le champ « {field} » n'est pas valide : {reason}.",
  'photo-empty': 'Le fichier est vide.',
  'photo-unsupported-type': "Ce fichier n'est pas une image acceptée ici (JPEG, PNG, WebP, AVIF, GIF) : son contenu ne commence pas comme l'une d'elles, quoi que dise son nom.",
  'photo-heic-unsupported': 'Les images HEIC ne peuvent pas être lues par ce serveur ; convertissez le fichier en JPEG.',
  'photo-too-large': 'Le fichier dépasse les {limit} octets autorisés par fichier.',
  'photo-request-too-large': 'Les fichiers de cette requête dépassent au total les {limit} octets autorisés par requête.',
  'photo-corrupt': "L'image ne peut pas être lue : le fichier est endommagé ou incomplet.",
  'photo-too-many-pixels': "L'image compte {pixels} pixels ; au plus {limit} sont acceptés.",
  'photo-preview-failed': "L'aperçu de cette photo n'a pas pu être créé.",
  'photo-not-attached': "Cette photo n'est pas associée à ce produit.",
  'range-not-satisfiable': 'La plage demandée est hors du fichier ({size} octets).',
};

const dictionaries: Record<Language, Record<MessageKey, string>> = { en, fr };

export type MessageParams = Record<string, string | number>;

export function translate(language: Language, key: MessageKey, params: MessageParams = {}): string {
  const template = dictionaries[language][key] ?? en[key];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export function hasMessage(key: string): key is MessageKey {
  return key in en;
}

/** Picks en or fr from an Accept-Language header (q-values respected); English when nothing matches. */
export function languageFromHeader(header: string | undefined): Language {
  if (!header) return 'en';
  const ranked = header
    .split(',')
    .map((part, index) => {
      const [tag = '', ...rest] = part.trim().split(';');
      const q = rest.map((r) => r.trim()).find((r) => r.startsWith('q='));
      const weight = q ? Number(q.slice(2)) : 1;
      return { base: tag.trim().toLowerCase().split('-')[0] ?? '', weight: Number.isFinite(weight) ? weight : 0, index };
    })
    .filter((entry) => entry.weight > 0)
    .sort((a, b) => b.weight - a.weight || a.index - b.index);
  for (const entry of ranked) {
    if (entry.base === 'en' || entry.base === 'fr') return entry.base;
  }
  return 'en';
}
