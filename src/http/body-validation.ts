import type { FastifyRequest } from 'fastify';
import type { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import { invalidArgument } from '../domain/errors.js';
import { schemaRef, toFieldViolations } from './spec.js';
import { unknownFields } from './unknown-fields.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Name of the spec component schema the JSON body must match. */
    bodySchema?: string;
    /** The body may be absent (the spec does not mark it required). */
    isBodyOptional?: boolean;
  }
}

/** Validates request bodies against the spec's component schemas, compiling each schema once. */
export class BodyValidator {
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(private readonly ajv: Ajv) {}

  private validatorFor(schemaName: string): ValidateFunction {
    let validator = this.validators.get(schemaName);
    if (validator === undefined) {
      validator = this.ajv.compile(schemaRef(schemaName));
      this.validators.set(schemaName, validator);
    }
    return validator;
  }

  /** Throws a 400 naming every invalid field; a body must be a JSON object. */
  check(request: FastifyRequest): void {
    const schemaName = request.routeOptions.config?.bodySchema;
    if (schemaName === undefined) {
      return;
    }
    const body = request.body;
    if (body === undefined || body === null) {
      if (request.routeOptions.config?.isBodyOptional === true) {
        return;
      }
      throw invalidArgument([{ field: '(body)', description: 'is missing; send a JSON object with Content-Type: application/json.' }]);
    }
    if (typeof body !== 'object' || Array.isArray(body)) {
      throw invalidArgument([{ field: '(body)', description: `must be a JSON object, got ${Array.isArray(body) ? 'an array' : typeof body}.` }]);
    }
    const validator = this.validatorFor(schemaName);
    const violations = validator(body) ? [] : toFieldViolations(validator.errors ?? [], body);
    violations.push(...unknownFields(body, schemaName));
    if (violations.length > 0) {
      throw invalidArgument(violations);
    }
  }
}
