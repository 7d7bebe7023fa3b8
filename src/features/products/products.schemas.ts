import { Type } from '@sinclair/typebox';
import { DateString, FreeText, Line, PageQuery } from '../common.schemas.js';

const Int = (description: string, min = 1, max = 2147483647) => Type.Integer({ minimum: min, maximum: max, description });

export const ProductSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  description: Type.String(),
  typeId: Type.Integer(),
  typeName: Type.String({ description: "The type's name in the caller's language" }),
  freezerId: Type.Integer(),
  freezerName: Type.String(),
  box: Type.Integer(),
  slot: Type.Integer({ description: 'Number of the product inside its box (the report’s prod_num)' }),
  dateIn: Type.String({ format: 'date' }),
  dateOut: Type.Union([Type.String({ format: 'date' }), Type.Null()], { description: 'null while inside' }),
  periodMonths: Type.Integer(),
  dueDate: Type.String({ format: 'date', description: 'dateIn + periodMonths' }),
  quantity: Type.Integer({ description: 'Portions' }),
  inside: Type.Boolean(),
  overdue: Type.Boolean({ description: 'Inside and past its due date' }),
  sourceProductId: Type.Union([Type.Integer(), Type.Null()], { description: 'For portions taken out of a product that stayed inside: that product' }),
  addedBy: Type.Integer({ description: 'Id of the user who put it in' }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

const fields = {
  name: Line(256, { examples: ['Soupe de Noël'] }),
  description: FreeText(4000),
  typeId: Int('Product type id'),
  freezerId: Int('Freezer id'),
  box: Int('Box number, 1 to the freezer’s box count', 1, 1000),
  slot: Int('Slot inside the box; omitted: the next free slot', 1, 100000),
  dateIn: DateString,
  periodMonths: Int('Storage period in months; omitted: the type’s default', 1, 120),
  quantity: Int('Portions', 1, 10000),
};

export const ProductBody = Type.Object(
  {
    name: fields.name,
    description: Type.Optional(fields.description),
    typeId: fields.typeId,
    freezerId: fields.freezerId,
    box: fields.box,
    slot: Type.Optional(fields.slot),
    dateIn: Type.Optional(DateString),
    periodMonths: Type.Optional(fields.periodMonths),
    quantity: fields.quantity,
  },
  { additionalProperties: false },
);

export const ProductPatch = Type.Object(
  {
    name: Type.Optional(fields.name),
    description: Type.Optional(fields.description),
    typeId: Type.Optional(fields.typeId),
    freezerId: Type.Optional(fields.freezerId),
    box: Type.Optional(fields.box),
    slot: Type.Optional(fields.slot),
    dateIn: Type.Optional(fields.dateIn),
    periodMonths: Type.Optional(fields.periodMonths),
    quantity: Type.Optional(fields.quantity),
    dateOut: Type.Optional(Type.Union([DateString, Type.Null()], { description: 'A date takes the product out entirely; null puts it back inside' })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const TakeOutBody = Type.Object(
  {
    portions: Type.Optional(Int('Portions to take out; omitted: all of them', 1, 10000)),
    date: Type.Optional(DateString),
  },
  { additionalProperties: false },
);

export const ProductListQuery = Type.Object(
  {
    status: Type.Optional(Type.Union([Type.Literal('inside'), Type.Literal('outside'), Type.Literal('all')], { default: 'inside' })),
    freezerId: Type.Optional(Int('Only this freezer')),
    typeId: Type.Optional(Int('Only this type')),
    box: Type.Optional(Int('Only this box (with freezerId)', 1, 1000)),
    overdue: Type.Optional(Type.Boolean({ description: 'Only products inside past their due date' })),
    dueWithinDays: Type.Optional(Int('Only products inside, not yet overdue, due within this many days', 0, 3650)),
    q: Type.Optional(Type.String({ maxLength: 200, description: 'Text in the name, description or type name' })),
    sort: Type.Optional(
      Type.Union(
        [
          Type.Literal('dueDate'),
          Type.Literal('dateIn'),
          Type.Literal('dateOut'),
          Type.Literal('name'),
          Type.Literal('quantity'),
          Type.Literal('location'),
          Type.Literal('type'),
        ],
        { default: 'dueDate', description: 'location = freezer, box, slot' },
      ),
    ),
    order: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')], { default: 'asc' })),
    ...PageQuery,
  },
);
