import { describe, expect, it } from 'vitest';
import { studyPageHtml, type StudyPageData } from './study-page.js';

const data: StudyPageData = {
  id: 'study-1',
  name: 'ewc <lambda>',
  status: 'completed',
  sampler: 'grid',
  objective: 'accuracy',
  trials: [
    {
      number: 0,
      status: 'completed',
      params: { 'ewc.lambda': 1, kind: 'a' },
      mean: 0.8,
      std: 0.02,
      curve: [
        { tasks: 1, value: 0.9 },
        { tasks: 2, value: 0.8 },
      ],
    },
    {
      number: 1,
      status: 'completed',
      params: { 'ewc.lambda': 1000, kind: 'b' },
      mean: 0.85,
      std: 0.01,
      curve: [
        { tasks: 1, value: 0.9 },
        { tasks: 2, value: 0.85 },
      ],
    },
    {
      number: 2,
      status: 'pruned',
      params: { 'ewc.lambda': 100000, kind: 'a' },
      mean: 0.4,
      std: 0,
      curve: [{ tasks: 1, value: 0.4 }],
    },
  ],
};

describe('studyPageHtml', () => {
  it('draws one curve per trial, pruned ones dashed, and one parameter plot per numeric parameter on a log axis when it spans decades', () => {
    const html = studyPageHtml(data);
    expect(html.match(/<polyline class="curve"/g)).toHaveLength(3);
    expect(html).toMatch(/data-trial="2" points="[^"]+" fill="none" stroke="#999999" stroke-width="1.5" stroke-dasharray/);
    expect(html.match(/<figure class="parameter"/g)).toHaveLength(1);
    expect(html).toContain('ewc.lambda (log)');
    expect(html.match(/<circle class="point"/g)).toHaveLength(3);
    // The best trial's point sits highest (smallest y).
    const y = (trial: number) => Number(new RegExp(`data-trial="${trial}" cx="[^"]+" cy="([^"]+)"`).exec(html)![1]);
    expect(y(1)).toBeLessThan(y(0));
    expect(y(0)).toBeLessThan(y(2));
    expect(html).toContain('2 completed, 1 pruned, 0 running, 0 failed');
    expect(html).toContain('<td>85.00 ± 1.00</td>');
  });

  it('escapes names and reloads itself only when asked', () => {
    expect(studyPageHtml(data)).toContain('Study ewc &#60;lambda&#62;');
    expect(studyPageHtml(data)).not.toContain('http-equiv="refresh"');
    expect(studyPageHtml(data, { refreshSeconds: 5 })).toContain('<meta http-equiv="refresh" content="5">');
  });
});
