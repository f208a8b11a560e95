/**
 * Takes the screenshots of docs/console.md: starts a sandbox numberhost in this process
 * on a throwaway SQLite file (manual carrier adapters, so the task queue has work),
 * fills it through the public and admin APIs, and photographs each console page in
 * headless Chromium. Everything stays on loopback.
 *
 *   npm run docs:screenshots
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser } from '../test/helpers/browser.js';
import { loginInBrowser } from '../test/helpers/console.js';
import { newSqliteUrl } from '../test/helpers/databases.js';
import { CallbackReceiver } from '../test/helpers/receiver.js';
import { TEST_ADMIN_TOKEN, startTestService, waitUntil } from '../test/helpers/service.js';

const OUTPUT_DIR = join(import.meta.dirname, '..', 'docs', 'console');
const VIEWPORT = { width: 1280, height: 860 };

async function main(): Promise<void> {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const receiver = new CallbackReceiver();
  // The receiver refuses every third callback, so the delivery log has failures to show.
  receiver.respond = (_callback, index) => (index % 3 === 2 ? 500 : 200);
  const callbackUrl = await receiver.start();
  const test = await startTestService(newSqliteUrl(), { NUMBERHOST_CARRIER_ADAPTERS: 'manual', NUMBERHOST_MANUAL_CHECK_MS: '1000' });
  const json = async (response: Response) => (await response.json()) as Record<string, unknown>;
  try {
    await test.api('/callbackConfiguration', { method: 'PATCH', body: JSON.stringify({ hmacSecret: 'screenshot-secret' }) });
    const order = await json(
      await test.api('/hostingOrders:importNumbers', {
        method: 'POST',
        body: JSON.stringify({
          numbers: ['+12065550101', '+12065550102', '+12065550103'],
          regionCode: 'US',
          servicePlanId: 'plan-docs',
          campaignId: 'CDOCS01',
          callbackUrl,
        }),
      }),
    );
    const orderId = String(order.hostingOrderId);
    await test.api('/qualifiedNumbers:addNumbers', {
      method: 'POST',
      body: JSON.stringify({ phoneNumbers: ['+13125550110', '+13125550111', '+13125550112'] }),
    });
    await waitUntil(
      async () => json(await test.api('/qualifiedNumbers?states=GLOBAL_PROCESS_STATE_UNSPECIFIED&pageSize=10')),
      (body) => (body.qualifiedNumbers as { globalProcessState: string }[] | undefined)?.every((row) => row.globalProcessState === 'GLOBAL_PROCESS_STATE_ELIGIBLE') === true,
    );
    await test.api('/qualifiedNumbers/%2B13125550110:sendVoiceChallenge', { method: 'POST', body: '{}' });
    await test.admin(`/projects/${test.projectId}/qualifiedNumbers/%2B13125550111:approveOwnership`, { method: 'POST', body: '{}' });
    await test.api('/hostingOrders:textEnableNumbers', {
      method: 'POST',
      body: JSON.stringify({
        numbers: ['+13125550111'],
        regionCode: 'US',
        servicePlanId: 'plan-docs',
        campaignId: 'CDOCS01',
        callbackUrl,
        directLoaInfo: {
          authorisedPerson: { firstName: 'Jane', lastName: 'Doe', email: 'jane.doe@example.com' },
          address: { buildingNumber: '2433', street: 'Vesta Drive', city: 'Chicago', state: 'IL', postalCode: '60647', country: 'US' },
          currentVoiceCarrier: 'Verizon',
        },
      }),
    });
    await test.admin(`/projects/${test.projectId}/faultRules`, {
      method: 'POST',
      body: JSON.stringify({ target: 'CALLBACK_DELIVERY', action: 'DUPLICATE', numberPattern: '+1206555010', times: 3, description: 'Duplicate three callbacks' }),
    });
    await waitUntil(
      async () => json(await test.admin('/operatorTasks?state=OPEN')),
      (body) => ((body.operatorTasks as unknown[] | undefined) ?? []).length >= 3,
    );
    // Complete one number's SMS task, so the order page shows mixed progress.
    const tasks = (await json(await test.admin('/operatorTasks?state=OPEN'))).operatorTasks as { taskId: string }[];
    await test.admin(`/operatorTasks/${tasks[0]?.taskId ?? ''}:complete`, { method: 'POST', body: JSON.stringify({ note: 'Provisioned by hand' }) });
    await new Promise((resolve) => setTimeout(resolve, 1500));

    const browser = await launchBrowser();
    const page = await browser.newPage({ viewport: VIEWPORT, colorScheme: 'light' });
    const shoot = async (name: string, path: string) => {
      await page.goto(`${test.baseUrl}${path}`);
      await page.screenshot({ path: join(OUTPUT_DIR, `${name}.png`) });
      console.log(`docs/console/${name}.png  ${path}`);
    };
    await shoot('login', '/console/login');
    await loginInBrowser(page, test.baseUrl, TEST_ADMIN_TOKEN);
    await shoot('dashboard', '/console');
    await shoot('orders', '/console/orders');
    await shoot('order', `/console/projects/${test.projectId}/orders/${orderId}`);
    await shoot('tasks', '/console/tasks');
    await shoot('qualified-numbers', '/console/qualified-numbers');
    await shoot('imported-number', `/console/projects/${test.projectId}/numbers/%2B12065550101`);
    await shoot('deliveries', '/console/deliveries');
    await shoot('emails', '/console/emails');
    await shoot('voice-calls', '/console/voice-calls');
    await shoot('faults', `/console/faults?projectId=${test.projectId}`);
    await shoot('clock', '/console/clock');
    await shoot('project', `/console/projects/${test.projectId}`);
    await browser.close();
  } finally {
    await test.close();
    await receiver.stop();
  }
}

await main();
