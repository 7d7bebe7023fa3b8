import { Type } from '@sinclair/typebox';
import { Line } from '../common.schemas.js';

export const FreezerSchema = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  boxCount: Type.Integer(),
  productsInside: Type.Integer(),
  portionsInside: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

const Name = Line(256, { examples: ['Garage freezer'] });
const BoxCount = Type.Integer({ minimum: 1, maximum: 1000, description: 'Number of boxes (drawers)' });
export const FreezerBody = Type.Object({ name: Name, boxCount: BoxCount }, { additionalProperties: false });
export const FreezerPatch = Type.Object({ name: Type.Optional(Name), boxCount: Type.Optional(BoxCount) }, { additionalProperties: false, minProperties: 1 });
