// The guide's Express token hook, reproduced for `just bench` to measure
// next to the Rust hook: Basic auth, an in-memory patient array, the same
// answer. Run only when Node.js is installed; it uses the express package
// installed for interop/express (`npm ci --prefix interop/express`).
'use strict';
const express = require('express');

const patients = [
  { username: 'jessie.smith@example.com', ExtPatientId: '1235' },
  { username: 'kim.sato@example.com', ExtPatientId: '6789' },
  { username: 'rajiv.tal@example.com', ExtPatientId: '4235' },
];
const expected = 'Basic ' + Buffer.from('admin:supersecret').toString('base64');

const app = express();
app.use(express.json({ limit: '256kb' }));
app.post('/tokenHook', (request, response) => {
  if (request.headers.authorization !== expected) {
    return response.status(401).send('Unauthorized');
  }
  const claims = request.body && request.body.data && request.body.data.identity
    && request.body.data.identity.claims;
  const patient = claims && patients.find((p) => p.username === claims.preferred_username);
  if (!patient) {
    console.log(`${claims && claims.preferred_username} not part of the patient data store`);
    return response.status(204).send();
  }
  console.log(`${patient.username} is patient ${patient.ExtPatientId}`);
  response.status(200).json({ commands: [{ type: 'com.okta.identity.patch',
    value: [{ op: 'add', path: '/claims/extPatientId', value: patient.ExtPatientId }] }] });
});
const port = Number(process.env.PORT);
app.listen(port, '127.0.0.1', () => console.log(`listening on ${port}`));
