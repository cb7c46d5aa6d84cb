import { receiverSinkHarness, runSinkContract, testContext } from '@callrelay/testkit';
import acmePost from './acme-sink.js';

runSinkContract('acme-post', receiverSinkHarness({
  create: (url) => acmePost.create(acmePost.config.parse({ url: `${url}/crm/calls` }), testContext({ id: 'acme-post' })),
}));
