/**
 * Every `details` text of the seed API (the report's responseMessage.py idea), in English and French.
 * Keys are the problem codes of the services and of the framework (src/i18n/messages.ts) that the seed
 * routes can meet, plus the seed API's own codes (format errors and success texts). A text never
 * contains the request URL: seed-API URLs carry the caller's token.
 */
import type { Language } from '../../i18n/messages.js';

const en = {
  // success
  'token-valid': 'The token is valid.',
  'freezer-added': 'Freezer {id} added.',
  'freezer-updated': 'Freezer {id} updated.',
  'freezer-deleted': 'Freezer {id} deleted.',
  'product-added': 'Product {id} added.',
  'product-updated': 'Product {id} updated.',
  'nothing-to-update': 'Nothing to update: every field was sent empty.',

  // token
  'token-invalid': 'The token is unknown, malformed, revoked or expired.',
  'auth-required': 'The token is unknown, malformed, revoked or expired.',
  'account-disabled': 'The account of this token is disabled.',
  'read-only-token': 'This token is read-only; use a read-write token to change anything.',
  'admin-only': 'Only administrators may do this.',

  // format of the request
  'bad-body': 'The body must be a JSON object.',
  'missing-field': 'The field "{field}" is missing.',
  'not-integer': 'The field "{field}" must be an integer.',
  'not-text': 'The field "{field}" must be a text.',
  'not-date': 'The field "{field}" must be a date YYYY-MM-DD.',
  'out-of-range': 'The field "{field}" must be between {min} and {max}.',
  'too-long': 'The field "{field}" must have at most {max} characters.',
  'blank': 'The field "{field}" cannot be empty.',
  'invalid-field': 'The value of "{field}" is not valid.',
  'bad-param': 'The product selection must be all, inside or outside.',
  'bad-url': 'The URI is not valid (a bad %-escape or a parameter longer than 200 characters).',
  'malformed-json': 'The body is not valid JSON.',
  'empty-body': 'The body is empty; a JSON object was expected.',
  'body-too-large': 'The body is too large.',
  'unsupported-media-type': 'The content type must be application/json.',
  'validation-failed': 'The body does not follow the expected format.',
  'invalid-date': 'Not a valid date: "{value}" (expected YYYY-MM-DD).',

  // routes
  'route-not-found': 'No such route: check the URI (integer parameters must be integers, the token comes last).',
  'method-not-allowed': 'The method {method} is not implemented on this route; allowed: {allow}.',
  'rate-limited': 'Too many requests from your address; try again in {retryAfter} seconds.',
  'internal-error': 'Something went wrong on our side (request id {requestId}).',

  // freezers, types, products
  'freezer-not-found': 'This freezer does not exist or is not yours.',
  'freezer-has-history': 'This freezer holds or has held products ({count}); it cannot be deleted.',
  'box-count-too-small': 'Box {box} still holds products; the freezer needs at least {box} boxes.',
  'type-not-found': 'This product type does not exist.',
  'product-not-found': 'No product of yours matches this freezer, box, number and inside/outside state.',
  'date-in-future': 'The date in cannot be in the future.',
  'date-out-future': 'The date out cannot be in the future.',
  'date-out-before-in': 'The date out cannot be before the date in ({dateIn}).',
  'box-out-of-range': 'The box number must be between 1 and {boxCount}, the number of boxes of this freezer.',
  'slot-taken': 'Number {slot} of box {box} is already used by another product inside.',

  // fallbacks by status
  'status.400': 'Bad request.',
  'status.403': 'Forbidden.',
  'status.404': 'Not found.',
  'status.405': 'Method not allowed.',
  'status.413': 'The body is too large.',
  'status.415': 'The content type must be application/json.',
  'status.429': 'Too many requests.',
  'status.500': 'Something went wrong on our side.',
} as const;

export type SeedMessageKey = keyof typeof en;

const fr: Record<SeedMessageKey, string> = {
  'token-valid': 'Le jeton est valide.',
  'freezer-added': 'Congélateur {id} ajouté.',
  'freezer-updated': 'Congélateur {id} modifié.',
  'freezer-deleted': 'Congélateur {id} supprimé.',
  'product-added': 'Produit {id} ajouté.',
  'product-updated': 'Produit {id} modifié.',
  'nothing-to-update': 'Rien à modifier : tous les champs ont été envoyés vides.',

  'token-invalid': 'Le jeton est inconnu, mal formé, révoqué ou expiré.',
  'auth-required': 'Le jeton est inconnu, mal formé, révoqué ou expiré.',
  'account-disabled': 'Le compte de ce jeton est désactivé.',
  'read-only-token': 'Ce jeton est en lecture seule ; utilisez un jeton en lecture-écriture pour modifier quoi que ce soit.',
  'admin-only': 'Seuls les administrateurs peuvent faire cela.',

  'bad-body': 'Le corps doit être un objet JSON.',
  'missing-field': 'Le champ « {field} » est absent.',
  'not-integer': 'Le champ « {field} » doit être un entier.',
  'not-text': 'Le champ « {field} » doit être un texte.',
  'not-date': 'Le champ « {field} » doit être une date AAAA-MM-JJ.',
  'out-of-range': 'Le champ « {field} » doit être compris entre {min} et {max}.',
  'too-long': 'Le champ « {field} » doit contenir au plus {max} caractères.',
  'blank': 'Le champ « {field} » ne peut pas être vide.',
  'invalid-field': 'La valeur de « {field} » n’est pas valide.',
  'bad-param': 'La sélection de produits doit valoir all, inside ou outside.',
  'bad-url': 'L’URI n’est pas valide (un échappement % incorrect ou un paramètre de plus de 200 caractères).',
  'malformed-json': 'Le corps n’est pas du JSON valide.',
  'empty-body': 'Le corps est vide ; un objet JSON était attendu.',
  'body-too-large': 'Le corps est trop volumineux.',
  'unsupported-media-type': 'Le type de contenu doit être application/json.',
  'validation-failed': 'Le corps ne respecte pas le format attendu.',
  'invalid-date': 'Date invalide : « {value} » (format attendu AAAA-MM-JJ).',

  'route-not-found': 'Route inconnue : vérifiez l’URI (les paramètres entiers doivent être des entiers, le jeton vient en dernier).',
  'method-not-allowed': 'La méthode {method} n’est pas disponible sur cette route ; méthodes permises : {allow}.',
  'rate-limited': 'Trop de requêtes depuis votre adresse ; réessayez dans {retryAfter} secondes.',
  'internal-error': 'Une erreur s’est produite de notre côté (identifiant de requête {requestId}).',

  'freezer-not-found': 'Ce congélateur n’existe pas ou ne vous appartient pas.',
  'freezer-has-history': 'Ce congélateur contient ou a contenu des produits ({count}) ; il ne peut pas être supprimé.',
  'box-count-too-small': 'Le tiroir {box} contient encore des produits ; le congélateur doit avoir au moins {box} tiroirs.',
  'type-not-found': 'Ce type de produit n’existe pas.',
  'product-not-found': 'Aucun de vos produits ne correspond à ce congélateur, ce tiroir, ce numéro et cet état (dedans/dehors).',
  'date-in-future': 'La date d’entrée ne peut pas être dans le futur.',
  'date-out-future': 'La date de sortie ne peut pas être dans le futur.',
  'date-out-before-in': 'La date de sortie ne peut pas précéder la date d’entrée ({dateIn}).',
  'box-out-of-range': 'Le numéro de tiroir doit être compris entre 1 et {boxCount}, le nombre de tiroirs de ce congélateur.',
  'slot-taken': 'Le numéro {slot} du tiroir {box} est déjà utilisé par un autre produit à l’intérieur.',

  'status.400': 'Requête invalide.',
  'status.403': 'Interdit.',
  'status.404': 'Introuvable.',
  'status.405': 'Méthode non permise.',
  'status.413': 'Le corps est trop volumineux.',
  'status.415': 'Le type de contenu doit être application/json.',
  'status.429': 'Trop de requêtes.',
  'status.500': 'Une erreur s’est produite de notre côté.',
};

const dictionaries: Record<Language, Record<SeedMessageKey, string>> = { en, fr };

export function isSeedMessageKey(key: string): key is SeedMessageKey {
  return Object.prototype.hasOwnProperty.call(en, key);
}

export type SeedMessageParams = Record<string, string | number>;

/** The text of a key in a language, placeholders filled; unknown keys fall back to the status's generic text. */
export function seedMessage(language: Language, key: string, params: SeedMessageParams = {}, status = 400): string {
  const k: SeedMessageKey = isSeedMessageKey(key) ? key : isSeedMessageKey(`status.${status}`) ? (`status.${status}` as SeedMessageKey) : 'status.400';
  const template = dictionaries[language][k] ?? en[k];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** Every key, for the tests that check both languages are complete. */
export const SEED_MESSAGE_KEYS = Object.keys(en) as SeedMessageKey[];
