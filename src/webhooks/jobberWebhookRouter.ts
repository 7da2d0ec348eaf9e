import { createHash } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import type { Deps } from '../core/deps';
import { buildInstallationKey, type InstallationRef } from '../core/installationRef';
import { isValidJobberWebhookSignature } from '../jobber/signJobberWebhook';
import { classifyWebhookAge } from './classifyWebhookAge';
import { type JobberWebhookEvent, parseJobberWebhook } from './parseJobberWebhook';

/** An installation in the Jobber account a webhook names, with its app's client secret. */
export interface JobberWebhookCandidate {
  ref: InstallationRef;
  clientSecret: string;
  /** When the installation was (last) installed, ms; events from before it are ignored. */
  installedAt?: number | null;
}

/** A webhook whose signature verified with `ref`'s client secret. */
export interface VerifiedJobberWebhook extends JobberWebhookEvent {
  ref: InstallationRef;
}

export interface JobberWebhookRouterOptions {
  deps: Pick<Deps, 'store' | 'logger' | 'clock'>;
  /** Installations whose Jobber account id is `jobberAccountId` (several partners' apps may share one account). */
  findInstallations(jobberAccountId: string): Promise<JobberWebhookCandidate[]>;
  /** The work, run after the 200 is sent; a rejection is logged, never unhandled. */
  onEvent(event: VerifiedJobberWebhook): Promise<void>;
  /** How long a (topic, itemId, occurredAt) is remembered per installation, ms. Default 3 days; never less than maxEventAgeMs + 2 * skew. */
  dedupeTtlMs?: number;
  /** Events that occurred longer ago than this are ignored (200, logged), ms. Default 24 hours (JOBBER_WEBHOOK_MAX_AGE_MS). */
  maxEventAgeMs?: number;
}

/** Clock difference tolerated between Jobber and the gateway (future events, events just before an install). */
const CLOCK_SKEW_MS = 5 * 60 * 1000;
export const DEFAULT_JOBBER_WEBHOOK_MAX_AGE_MS = 24 * 60 * 60 * 1000;

export const JOBBER_SIGNATURE_HEADER = 'x-jobber-hmac-sha256';
const THREE_DAYS_MS = 3 * 24 * 60 * 60 * 1000;

/**
 * `POST /webhooks/jobber` (DESIGN.md "Webhooks"): the raw bytes are kept for the HMAC; the
 * installation is the candidate whose client secret verifies `X-Jobber-Hmac-SHA256` in constant time;
 * no match = 401 and nothing done. A verified event is deduplicated across processes in the store,
 * answered 200 at once, and handed to `onEvent` after the answer.
 */
export function createJobberWebhookRouter(options: JobberWebhookRouterOptions): Router {
  const { store, logger, clock } = options.deps;
  const maxEventAgeMs = options.maxEventAgeMs ?? DEFAULT_JOBBER_WEBHOOK_MAX_AGE_MS;
  // A replay is caught by the dedupe record while it lives and by the age bound after: no gap between them.
  const dedupeTtlMs = Math.max(options.dedupeTtlMs ?? THREE_DAYS_MS, maxEventAgeMs + 2 * CLOCK_SKEW_MS);
  const router = express.Router();

  router.post('/webhooks/jobber', express.raw({ type: '*/*', limit: '1mb' }), async (req: Request, res: Response) => {
    const rawBody: Buffer = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const signature = req.get(JOBBER_SIGNATURE_HEADER);
    if (!signature) {
      res.status(401).json({ error: 'missing signature' });
      return;
    }
    const parsed = parseJobberWebhook(rawBody);
    if (!parsed.ok) {
      // Without an account id there is no secret to verify with: same answer as a bad signature.
      res.status(401).json({ error: 'invalid signature' });
      return;
    }
    let ref: InstallationRef | undefined;
    let dedupeKey: string;
    try {
      const candidates = await options.findInstallations(parsed.event.jobberAccountId);
      const verified = candidates.find((candidate) => isValidJobberWebhookSignature(rawBody, candidate.clientSecret, signature.trim()));
      ref = verified?.ref;
      if (!verified || !ref) {
        logger.warn({ topic: parsed.event.topic, candidates: candidates.length }, 'Jobber webhook with no verifying installation');
        res.status(401).json({ error: 'invalid signature' });
        return;
      }
      const age = classifyWebhookAge({
        occurredAt: parsed.event.occurredAt,
        installedAt: verified.installedAt,
        now: clock.now(),
        maxAgeMs: maxEventAgeMs,
        skewMs: CLOCK_SKEW_MS,
      });
      if (age !== 'fresh') {
        // Signed by Jobber but too old, from the future, or from an earlier install: a 200 so it is not sent again.
        logger.info(
          { reason: age, topic: parsed.event.topic, occurredAt: parsed.event.occurredAt, partnerId: ref.partnerId, accountId: ref.accountId },
          `Jobber webhook ignored (${age})`,
        );
        res.status(200).json({ ok: true, ignored: age });
        return;
      }
      dedupeKey = buildDedupeKey(ref, parsed.event);
      const fresh = await store.set(dedupeKey, '1', { onlyIfAbsent: true, ttlMs: dedupeTtlMs });
      if (!fresh) {
        logger.debug({ topic: parsed.event.topic, partnerId: ref.partnerId, accountId: ref.accountId }, 'duplicate Jobber webhook');
        res.status(200).json({ ok: true, duplicate: true });
        return;
      }
    } catch (error) {
      // Store or lookup down: a 5xx makes Jobber deliver again later.
      logger.error({ err: error }, 'Jobber webhook not accepted');
      res.status(503).json({ error: 'temporarily unavailable' });
      return;
    }
    res.status(200).json({ ok: true });
    const event: VerifiedJobberWebhook = { ...parsed.event, ref };
    setImmediate(() => {
      options.onEvent(event).catch(async (error: unknown) => {
        logger.error({ err: error, topic: event.topic, partnerId: event.ref.partnerId, accountId: event.ref.accountId }, 'Jobber webhook work failed');
        // Forget it so that a redelivery of the same event is handled, not dropped as a duplicate.
        await store.del(dedupeKey).catch(() => undefined);
      });
    });
  });

  return router;
}

/** Jobber delivers at least once: the same (topic, itemId, occurredAt) of one installation is one event. */
export function buildDedupeKey(ref: InstallationRef, event: JobberWebhookEvent): string {
  const digest = createHash('sha256')
    .update(`${event.topic}\u0000${event.itemId ?? ''}\u0000${event.occurredAt}`)
    .digest('hex')
    .slice(0, 32);
  return buildInstallationKey(ref, `webhook-seen:${digest}`);
}
