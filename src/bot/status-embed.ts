import type { APIEmbed, APIEmbedField } from 'discord.js';
import { clip, LIMITS } from './messages.ts';
import type { ActiveModelStatus, AdminStatus, RecentJob } from '../admin/actions.ts';

/**
 * /admin status for a person: one embed field per question (which model, how good, how and when it was
 * trained, what it replaced and why, how busy the queues are, how the last jobs went), no raw JSON.
 */

/** "2026-12-02 18:04 UTC": the same for every admin, wherever they are. */
export function utcTime(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** "850 ms", "12.3 s", "4 min 12 s", "1 h 5 min". */
export function duration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1_000);
  if (seconds < 3_600) return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
  return `${Math.floor(seconds / 3_600)} h ${Math.round((seconds % 3_600) / 60)} min`;
}

const count = (n: number): string => n.toLocaleString('en-US');

/** The first line of the reply; the embed has the rest. */
export function statusHeadline(status: AdminStatus): string {
  const m = status.activeModel;
  return m ? `**Active model:** version ${m.id} (${m.architecture}).` : '**Active model:** none yet — run `/admin retrain`. Until then suggestions are popular titles.';
}

function qualityField(m: ActiveModelStatus): string {
  const { validationNdcg10: ndcg, gateHoldoutRatings: held, gateHoldoutFraction: fraction, validationUsers: users } = m.metrics;
  if (ndcg === undefined) return 'Not recorded: this version was saved without the promotion gate.';
  const rule = fraction === undefined ? '' : ` (${Math.round(fraction * 100)} % of member-title pairs${users === undefined ? '' : `, ${count(users)} members`})`;
  return `nDCG@10 **${ndcg.toFixed(3)}** on ${held === undefined ? 'the' : count(held)} held-out ratings${rule}, which the scored fit never saw.`;
}

function trainingField(m: ActiveModelStatus): string {
  const lines = [`Finished ${utcTime(m.createdAt)}${m.durationMs === null ? '' : `, took ${duration(m.durationMs)}`}.`];
  lines.push(`Trained on ${count(m.trainingRatings)} ratings from ${count(m.trainingUsers)} members, ${count(m.trainingTitles)} titles.`);
  const phases = Object.entries(m.metrics.phaseMs ?? {}).filter(([, ms]) => ms > 0);
  if (phases.length > 0) lines.push(`Phases: ${phases.map(([phase, ms]) => `${phase} ${duration(ms)}`).join(' · ')}`);
  return lines.join('\n');
}

function replacedField(m: ActiveModelStatus): string {
  const { activeVersionId: replaced, comparedNdcg10: candidate, activeValidationNdcg10: previous, comparedRatings: compared } = m.metrics;
  const lines: string[] = [];
  if (replaced === undefined) lines.push('Not recorded.');
  else if (replaced === null) lines.push('Nothing: no version was active when it trained.');
  else if (candidate != null && previous != null) {
    lines.push(`Version ${replaced}: nDCG@10 ${candidate.toFixed(3)} against its ${previous.toFixed(3)}${compared == null ? '' : ` on ${count(compared)} held-out ratings neither was trained on`}.`);
  } else lines.push(`Version ${replaced} (not compared).`);
  if (m.promotionReason) lines.push(`Why: ${m.promotionReason}${m.promotionReason.endsWith('.') ? '' : '.'}`);
  return lines.join('\n');
}

function queuesField(status: AdminStatus): string {
  const lines = status.queues.map(
    (q) =>
      `**${q.name}**: ${Object.entries(q.counts)
        .map(([state, n]) => `${n} ${state}`)
        .join(', ')}`,
  );
  lines.push(`Outbox: ${status.outboxPending} event(s) waiting for Redis.`);
  return lines.join('\n');
}

function jobLine(j: RecentJob): string {
  const when = j.finishedAt ? ` ${utcTime(j.finishedAt)}` : '';
  const took = j.durationMs === undefined ? '' : ` after ${duration(j.durationMs)}`;
  return `${j.queue} #${j.id} ${j.state}${when}${took}${j.failedReason ? `: ${clip(j.failedReason, 160)}` : ''}`;
}

const field = (name: string, value: string, inline = false): APIEmbedField => ({ name, value: clip(value, LIMITS.fieldValue), inline });

/** The status embed: the active version's quality, training and gate decision, then queues and recent jobs. */
export function statusEmbed(status: AdminStatus): APIEmbed {
  const m = status.activeModel;
  const fields: APIEmbedField[] = m
    ? [
        field('Active model', `Version ${m.id} (${m.architecture}), promoted ${utcTime(m.promotedAt ?? m.createdAt)}.`),
        field('Quality', qualityField(m)),
        field('Training', trainingField(m)),
        field('Replaced', replacedField(m)),
      ]
    : [field('Active model', 'None yet — run `/admin retrain`. Until then suggestions are popular titles.')];
  fields.push(field('Queues', queuesField(status)));
  fields.push(field('Recent jobs', status.recentJobs.length === 0 ? 'None.' : status.recentJobs.map(jobLine).join('\n')));
  return { title: 'tastebud status', fields };
}
