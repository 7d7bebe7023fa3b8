declare module 'unix-crypt-td-js' {
  /** The traditional DES-based crypt(3): a 13-character hash whose first two characters are the salt. */
  function unixCryptTD(password: string, salt: string): string;
  export default unixCryptTD;
}
