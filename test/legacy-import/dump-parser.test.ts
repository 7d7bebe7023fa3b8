import { describe, expect, it } from 'vitest';
import { parseDump } from '../../src/features/legacy-import/dump-parser.js';
import { LegacyImportError } from '../../src/features/legacy-import/legacy.types.js';

const FREEZER_TABLE = 'CREATE TABLE `Description_freezer` (`freezer_id` int(32) NOT NULL, `number_boxes` int(32) NOT NULL, `freezer_name` varchar(256) NOT NULL, PRIMARY KEY (`freezer_id`));\n';

const names = (text: string) => parseDump(FREEZER_TABLE + text).tables.Description_freezer.map((r) => r.freezer_name);

describe('the dump parser', () => {
  it('reads MySQL string escapes and doubled quotes', () => {
    const text = String.raw`INSERT INTO Description_freezer VALUES (1, 1, 'a\0b\bc\nd\re\tf\Zg\\h\'i\"j\%k\_l\xm'), (2, 2, 'it''s'), (3, 3, "double ""quoted"" \"x\"");`;
    expect(names(text)).toEqual(['a\0b\bc\nd\re\tf\x1ag\\h\'i"j\\%k\\_lxm', "it's", 'double "quoted" "x"']);
  });

  it("reads the original dump's tricky names: an escaped backslash before an escaped quote", () => {
    const text = String.raw`INSERT INTO Description_freezer (freezer_id, number_boxes, freezer_name) VALUES (31, 1, 'Magnum à l\\\'amande'), (20, 1, 'récolte de pommes de l\'arbre');`;
    expect(names(text)).toEqual(["Magnum à l\\'amande", "récolte de pommes de l'arbre"]);
  });

  it('reads numbers, NULL, booleans, charset introducers and hex literals', () => {
    const text = "INSERT INTO `Description_freezer` (`freezer_id`, `number_boxes`, `freezer_name`) VALUES (-1, +2, NULL), (1.5, 1e3, TRUE), (0, FALSE, _utf8mb4'x'), (4, 4, X'4142'), (5, 5, 0x4344), (6, 6, _binary 'y');";
    const rows = parseDump(FREEZER_TABLE + text).tables.Description_freezer;
    expect(rows.map((r) => [r.freezer_id, r.number_boxes, r.freezer_name])).toEqual([
      [-1, 2, null],
      [1.5, 1000, 1],
      [0, 0, 'x'],
      [4, 4, 'AB'],
      [5, 5, 'CD'],
      [6, 6, 'y'],
    ]);
  });

  it("takes the columns from CREATE TABLE when an INSERT has none (mysqldump's way), and qualified names, IGNORE, REPLACE", () => {
    const text = "INSERT INTO `Description_freezer` VALUES (1,4,'a'),(2,8,'b');\nINSERT IGNORE INTO `freezer`.`Description_freezer` VALUES (3,1,'c');\nREPLACE INTO description_freezer (freezer_name, freezer_id, number_boxes) VALUES ('d', 4, 2);";
    const rows = parseDump(FREEZER_TABLE + text).tables.Description_freezer;
    expect(rows).toEqual([
      { freezer_id: 1, number_boxes: 4, freezer_name: 'a' },
      { freezer_id: 2, number_boxes: 8, freezer_name: 'b' },
      { freezer_id: 3, number_boxes: 1, freezer_name: 'c' },
      { freezer_name: 'd', freezer_id: 4, number_boxes: 2 },
    ]);
    expect([...parseDump(FREEZER_TABLE + text).seen]).toEqual(['Description_freezer']);
  });

  it('skips comments, other statements and other tables, semicolons and quotes inside strings and comments included', () => {
    const text = [
      "-- it's a comment; with a quote",
      "# another one's",
      "/* block ' comment; */ /*!40101 SET NAMES utf8mb4 */;",
      "INSERT INTO `other_table` (`a`) VALUES ('x;y'), ('(');",
      "INSERT INTO `Description_freezer` (`freezer_id`, `number_boxes`, `freezer_name`) VALUES (1, 2, 'semi;colon -- not a comment'), (2, 2, '/* nor this */');",
      'ALTER TABLE `Description_freezer` ADD PRIMARY KEY (`freezer_id`);',
      'DELIMITER $$',
      'CREATE PROCEDURE p() BEGIN INSERT INTO Description_freezer VALUES (9, 9, \'inside a procedure\'); END$$',
      'DELIMITER ;',
      'COMMIT;',
    ].join('\n');
    expect(names(text)).toEqual(['semi;colon -- not a comment', '/* nor this */']);
    expect(parseDump(FREEZER_TABLE + text).mentioned).toContain('other_table');
  });

  it('reads backslashes as themselves after SET SQL_MODE with NO_BACKSLASH_ESCAPES', () => {
    const text = "SET SQL_MODE = 'NO_BACKSLASH_ESCAPES';\nINSERT INTO Description_freezer VALUES (1, 1, 'C:\\dir\\');";
    expect(names(text)).toEqual(['C:\\dir\\']);
  });

  it.each([
    ['an unterminated string', "INSERT INTO Description_freezer VALUES (1, 1, 'abc);\n", /^the dump cannot be read at line 2: unterminated string$/],
    ['a wrong number of values', 'INSERT INTO Description_freezer VALUES (1, 1);', /line 2: INSERT INTO Description_freezer: 2 values for 3 columns/],
    ['an expression', 'INSERT INTO Description_freezer VALUES (1, 1, NOW());', /a value that is not a string, a number or NULL/],
    ['INSERT ... SELECT', 'INSERT INTO Description_freezer SELECT * FROM x;', /without VALUES/],
    ['an INSERT without columns nor CREATE TABLE', 'INSERT INTO Product VALUES (1);', /names no columns/],
    ['an unterminated comment', '/* never closed', /unterminated comment/],
  ])('refuses %s, with the line', (_what, text, message) => {
    expect(() => parseDump(FREEZER_TABLE + text)).toThrow(LegacyImportError);
    expect(() => parseDump(FREEZER_TABLE + text)).toThrow(message);
  });
});
