/**
 * Every route the app registers, as Fastify reports it (onRoute), so a test can walk them all: the dashboard's
 * authorization test checks that each one is either behind a declared check or on an explicit public list.
 * Installed first thing in buildApp, before any route exists.
 */
import type { FastifyInstance } from 'fastify';

export interface RegisteredRoute {
  method: string;
  url: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    registeredRoutes: RegisteredRoute[];
  }
}

export function installRouteRegistry(app: FastifyInstance): void {
  const routes: RegisteredRoute[] = [];
  app.decorate('registeredRoutes', routes);
  app.addHook('onRoute', (r) => {
    for (const method of Array.isArray(r.method) ? r.method : [r.method]) routes.push({ method: String(method).toUpperCase(), url: r.url });
  });
}
