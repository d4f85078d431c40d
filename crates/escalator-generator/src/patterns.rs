//! Recurring problem patterns, a handful per technology domain: the same
//! error signature with different ids and numbers, the same fix, the same
//! knowledge-base article. Texts are templates; `{{name}}` placeholders are
//! filled per ticket (see `text::Vars`).
//!
//! Rules the texts keep, so that downstream decisions match the plan:
//! - `description` and `light` carry at most one error code and no stack
//!   trace, no severity word (outage, security, data loss, corrupt, breach)
//!   and no urgency word (urgent, asap, critical, immediately): an L1 ticket
//!   stays below the policy's complexity thresholds;
//! - `heavy` is what a specialist needs: stack traces, error codes, logs,
//!   annotated with what the diagnostics extractor finds in them (the
//!   tests check the annotations), so the generator knows when the
//!   policy's complexity rule will fire.

#[derive(Debug, Clone, Copy)]
pub struct Pattern {
    pub id: &'static str,
    pub domain: &'static str,
    /// Relative frequency within the domain.
    pub weight: f64,
    /// Share of its tickets that end up with a specialist (before the
    /// customer tier and priority adjust it).
    pub l2: f64,
    /// Resolution category when L1 closes it / when a specialist does.
    pub l1_category: &'static str,
    pub l2_category: &'static str,
    /// Existing knowledge-base article: (id, title).
    pub kb: Option<(&'static str, &'static str)>,
    pub products: &'static [&'static str],
    /// Components of the domain customers pick for it.
    pub components: &'static [&'static str],
    pub tags: &'static [&'static str],
    pub subjects: &'static [&'static str],
    pub description: &'static str,
    /// A short symptom or log excerpt (at most one error code).
    pub light: &'static str,
    /// Error codes the extractor finds in `light` (checked by the tests;
    /// the ticket's complexity estimate reads the texts themselves).
    #[allow(dead_code)]
    pub light_codes: u32,
    /// Diagnostics: stack traces, logs, error codes (one is picked).
    pub heavy: &'static [Heavy],
    /// Reproduction steps, when the customer can give them.
    pub repro: &'static str,
    /// What L1 asks the customer for.
    pub ask: &'static str,
    /// The customer's answer to it (no error code, no trace).
    pub answer: &'static str,
    /// L1's internal note of what it tried.
    pub tried: &'static str,
    /// L1's answer when L1 resolves it.
    pub l1_answer: &'static str,
    /// A specialist's internal analysis.
    pub analysis: &'static str,
    /// A specialist's resolution notes (the steps).
    pub notes: &'static str,
    /// The evidence in a few words, for reassignment reasons.
    pub signal: &'static str,
    /// Whether the failure can stop a customer's business (outage wording
    /// for urgent tickets).
    pub severe: bool,
}

/// A diagnostics block and what the evaluator's extractor finds in it once
/// filled (checked by the tests): error codes and whether it holds a
/// stack trace.
#[derive(Debug, Clone, Copy)]
pub struct Heavy {
    pub text: &'static str,
    /// Annotations the tests check against the extractor; the ticket's
    /// complexity estimate reads the texts themselves.
    #[allow(dead_code)]
    pub codes: u32,
    #[allow(dead_code)]
    pub trace: bool,
}

const fn h(text: &'static str, codes: u32, trace: bool) -> Heavy {
    Heavy { text, codes, trace }
}

const EMPTY: Pattern = Pattern {
    id: "",
    domain: "",
    weight: 1.0,
    l2: 0.3,
    l1_category: "how_to",
    l2_category: "how_to",
    kb: None,
    products: &["api"],
    components: &[],
    tags: &[],
    subjects: &[],
    description: "",
    light: "",
    light_codes: 0,
    heavy: &[],
    repro: "",
    ask: "",
    answer: "",
    tried: "",
    l1_answer: "",
    analysis: "",
    notes: "",
    signal: "",
    severe: false,
};

pub const PATTERNS: &[Pattern] = &[
    // ---------------------------------------------------------------- database
    Pattern {
        id: "db-deadlock-bulk-import",
        domain: "database",
        weight: 1.2,
        l2: 0.55,
        l1_category: "known_issue",
        l2_category: "known_issue",
        kb: Some(("KB-3107", "Deadlocks during parallel bulk imports")),
        products: &["analytics", "connect"],
        components: &["database", "postgres", "db"],
        tags: &["database", "postgres"],
        subjects: &[
            "Bulk import fails with deadlock detected",
            "Nightly import aborts with a deadlock since {{version}}",
            "Import job stops halfway: deadlock detected",
        ],
        description: "Since we upgraded to {{version}} our nightly bulk import of customer records fails about every second night. The job stops halfway and somebody has to restart it in the morning. Around {{rows}} rows are affected each time.",
        light: "{{ts0}} WARN  [import-3] BulkWriter - batch {{n1}} rolled back, retrying (attempt 3/3)\n{{ts1}} ERROR [import-3] ImportService - import {{job}} aborted after {{n2}} batches",
        heavy: &[
            h(
                "{{ts0}} ERROR [import-3] c.n.sync.ImportService - Import {{job}} failed\norg.postgresql.util.PSQLException: ERROR: deadlock detected\n  Detail: Process {{n1}} waits for ShareLock on transaction {{n3}}; blocked by process {{n2}}.\n  Hint: See server log for query details.\n  Where: while updating tuple (1184,22) in relation \"contact_addresses\"\n\tat org.postgresql.core.v3.QueryExecutorImpl.receiveErrorResponse(QueryExecutorImpl.java:2713)\n\tat org.postgresql.core.v3.QueryExecutorImpl.processResults(QueryExecutorImpl.java:2401)\n\tat org.postgresql.jdbc.PgStatement.executeBatch(PgStatement.java:896)\n\tat com.northwind.sync.BulkWriter.flush(BulkWriter.java:{{line1}})\n\tat com.northwind.sync.ImportService.run(ImportService.java:{{line2}})\nSQLSTATE: 40P01\n{{ts1}} WARN  [import-4] c.n.sync.BulkWriter - batch {{n2}} rolled back after lock wait",
                1,
                true,
            ),
            h(
                "Traceback (most recent call last):\n  File \"/srv/connect/importer/bulk.py\", line {{line1}}, in flush\n    cur.executemany(UPDATE_CONTACT, rows)\n  File \"/usr/lib/python3.11/site-packages/psycopg2/extras.py\", line 146, in execute\n    return super().execute(query, vars)\npsycopg2.errors.DeadlockDetected: deadlock detected\nDETAIL:  Process {{n1}} waits for ShareLock on transaction {{n3}}; blocked by process {{n2}}.\nSQLSTATE 40P01",
                1,
                true,
            ),
        ],
        ask: "Could you send us the log of the last failed import (Settings > Jobs > Download log) and tell us how many import workers run in parallel?",
        answer: "We run 4 import workers in parallel. The log of last night's run is attached; it stopped after batch {{n4}}.",
        tried: "Tried: re-ran the import with the same file on our staging tenant (works), asked the customer to lower the batch size to 500 (still fails), checked the status page (no incident).",
        l1_answer: "This is a known issue with parallel bulk imports on {{version}}: two workers can lock the same rows in opposite order. Until the fix in {{fix_version}}, please set Import parallelism to 1 under Settings > Imports > Advanced and re-run the job. Details: {{kb_url}}",
        analysis: "Deadlock between two import workers: both update contacts and contact_addresses, in opposite order (40P01 in the log). Matches the lock-ordering bug in BulkWriter fixed in {{fix_version}}.",
        notes: "Known issue: lock ordering in BulkWriter when imports run in parallel.\n1. Set Import parallelism to 1 (Settings > Imports > Advanced).\n2. Re-run the failed import {{job}}.\n3. Upgrade to {{fix_version}}, which takes row locks in primary-key order; parallelism can then go back to 4.",
        signal: "SQLSTATE 40P01 deadlock in the import writer",
        ..EMPTY
    },
    Pattern {
        id: "db-pool-exhausted",
        domain: "database",
        weight: 1.0,
        l2: 0.45,
        l1_category: "configuration",
        l2_category: "configuration",
        kb: Some(("KB-3112", "Connection pool exhausted at peak load")),
        products: &["analytics", "portal"],
        components: &["database", "db", "postgres"],
        tags: &["database", "db"],
        subjects: &[
            "Timeouts when many users run reports at the same time",
            "Requests fail at peak hours: connection is not available",
            "App very slow every morning, connection pool warnings",
        ],
        description: "Every day between 09:00 and 10:00, when our team starts, the application becomes very slow and some requests fail after about 30 seconds. Later in the day everything is fine again. We run the self-hosted edition, {{version}}, {{n4}} nodes.",
        light: "{{ts0}} WARN  HikariPool-1 - Connection is not available, request timed out after 30000ms (total=10, active=10, idle=0, waiting={{n4}})",
        heavy: &[h(
            "{{ts0}} ERROR [http-nio-8080-exec-{{n4}}] c.n.reports.ReportController - report {{job}} failed\njava.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request timed out after 30000ms.\n\tat com.zaxxer.hikari.pool.HikariPool.createTimeoutException(HikariPool.java:696)\n\tat com.zaxxer.hikari.pool.HikariPool.getConnection(HikariPool.java:197)\n\tat com.zaxxer.hikari.HikariDataSource.getConnection(HikariDataSource.java:100)\n\tat com.northwind.reports.ReportRepository.load(ReportRepository.java:{{line1}})\nCaused by: org.postgresql.util.PSQLException: FATAL: sorry, too many clients already\n\tat org.postgresql.core.v3.ConnectionFactoryImpl.doAuthentication(ConnectionFactoryImpl.java:646)\n\t... 12 more\nSQLSTATE: 53300\n{{ip}} - - [{{clf}}] \"GET /api/v2/reports/{{job}} HTTP/1.1\" 504 0",
            2,
            true,
        )],
        ask: "Could you tell us the values of db.pool.maxSize in application.yml and max_connections on your database, and attach the application log of this morning?",
        answer: "db.pool.maxSize is 10 (the default) and max_connections on the database is 100. We run {{n4}} application nodes.",
        tried: "Tried: checked the status page (no incident), cleared the report cache, asked the customer to stagger the scheduled reports (slightly better).",
        l1_answer: "The connection pool is too small for the number of report users at 09:00. Please raise db.pool.maxSize from 10 to 40 in application.yml, make sure max_connections on the database is at least 4 x maxSize per node, and restart the service. Details: {{kb_url}}",
        analysis: "Pool of 10 per node, {{n4}} nodes, max_connections=100: the 09:00 report burst exhausts the pools and Postgres refuses further clients (SQLSTATE 53300).",
        notes: "Configuration.\n1. Raise db.pool.maxSize to 40 per node.\n2. Raise Postgres max_connections to 300, or put PgBouncer in transaction mode in front.\n3. Set reports.maxParallel=8 to smooth the 09:00 burst.\n4. Verified with the customer: p95 of /reports back under 2 s.",
        signal: "HikariPool timeouts and SQLSTATE 53300 (too many clients)",
        ..EMPTY
    },
    Pattern {
        id: "db-duplicate-key-sync",
        domain: "database",
        weight: 0.9,
        l2: 0.6,
        l1_category: "workaround",
        l2_category: "bug_fix",
        products: &["connect"],
        components: &["database", "postgres", "storage-engine"],
        tags: &["database", "sql"],
        subjects: &[
            "Contact sync fails: duplicate key value violates unique constraint",
            "Sync stops with a duplicate key error",
            "New contacts not synced, unique constraint error in the log",
        ],
        description: "The CRM contact sync stopped on {{date}}. New contacts created since then do not show up in Northwind. The sync status page shows 'Failed' with a duplicate key message.",
        light: "{{ts0}} ERROR sync-worker - batch {{n1}} failed: duplicate key value violates unique constraint \"contacts_external_id_key\"",
        heavy: &[h(
            "Traceback (most recent call last):\n  File \"/srv/connect/sync/worker.py\", line {{line1}}, in process_batch\n    self.repo.insert_many(batch)\n  File \"/srv/connect/sync/repository.py\", line {{line2}}, in insert_many\n    cur.executemany(INSERT_CONTACT, rows)\n  File \"/usr/lib/python3.11/site-packages/psycopg2/extras.py\", line 146, in execute\n    return super().execute(query, vars)\npsycopg2.errors.UniqueViolation: duplicate key value violates unique constraint \"contacts_external_id_key\"\nDETAIL:  Key (tenant_id, external_id)=({{tenant}}, CRM-{{n2}}) already exists.\nSQLSTATE 23505\n{{ts1}} WARN  sync-worker - retry 1/3 after ReadTimeout (30 s) on batch {{n1}}",
            1,
            true,
        )],
        ask: "Could you attach the sync log of the failed run and tell us whether the CRM was restored from a backup or re-imported recently?",
        answer: "Yes, our CRM team restored the contacts table from a backup on {{date}} after a bad mass update. The sync log is attached.",
        tried: "Tried: restarted the sync (fails again on the same batch), re-authorised the CRM connection, checked that the CRM API is reachable.",
        l1_answer: "Workaround: in Connect > Sync > Advanced enable 'Skip records that already exist' and restart the sync; the missing contacts are picked up in the next run.",
        analysis: "A retry after a read timeout re-sends a batch that was already committed; insert_many has no ON CONFLICT, so the retry hits 23505 and the worker stops the whole sync.",
        notes: "Bug fixed in connector {{fix_version}}: the sync worker now upserts (ON CONFLICT (tenant_id, external_id) DO UPDATE) and one failed batch no longer stops the sync.\n1. Upgrade the connector to {{fix_version}}.\n2. Restart the sync; it resumes from the last checkpoint.\n3. Contacts created since {{date}} are backfilled automatically.",
        signal: "SQLSTATE 23505 unique violation on retried batches",
        ..EMPTY
    },
    Pattern {
        id: "db-lock-wait-timeout",
        domain: "database",
        weight: 0.8,
        l2: 0.5,
        l1_category: "configuration",
        l2_category: "configuration",
        products: &["portal", "api"],
        components: &["mysql", "database", "db"],
        tags: &["mysql", "database"],
        subjects: &[
            "Saving orders hangs and then fails",
            "Lock wait timeout exceeded when updating orders",
            "Order updates fail during month-end reporting",
        ],
        description: "Saving an order sometimes spins for about 50 seconds and then shows 'Could not save, please retry'. It happens mostly in the last days of the month, when finance runs their reports.",
        light: "{{ts0}} WARN  orders - update of order {{order}} took 50012 ms, rolled back",
        heavy: &[h(
            "{{ts0}} ERROR [orders-api] o.h.engine.jdbc.spi.SqlExceptionHelper - Lock wait timeout exceeded; try restarting transaction\ncom.mysql.cj.jdbc.exceptions.MySQLTransactionRollbackException: Lock wait timeout exceeded; try restarting transaction\n\tat com.mysql.cj.jdbc.exceptions.SQLError.createSQLException(SQLError.java:123)\n\tat com.mysql.cj.jdbc.ClientPreparedStatement.executeInternal(ClientPreparedStatement.java:916)\n\tat com.northwind.orders.OrderRepository.updateStatus(OrderRepository.java:{{line1}})\n\tat com.northwind.orders.OrderService.save(OrderService.java:{{line2}})\nmysql> UPDATE orders SET status='shipped' WHERE id={{order}};\nERROR 1205 (HY000): Lock wait timeout exceeded; try restarting transaction",
            1,
            true,
        )],
        ask: "Could you tell us when exactly the failures happen and whether any long-running reports or exports run against the same database at that time?",
        answer: "Finance starts their month-end reports around 16:00, and the failures are all between 16:00 and 18:00.",
        tried: "Tried: reproduced a slow save once on the customer's tenant during their report run, checked the status page, asked them to retry outside the report window (works).",
        l1_answer: "The month-end finance reports hold long read locks on the orders table. Please point the reporting connection at your read replica (Settings > Reporting > Data source) so that order updates are not blocked.",
        analysis: "Finance report runs SELECT ... FOR UPDATE over the orders table inside one transaction for several minutes; order updates wait for the row locks and hit innodb_lock_wait_timeout (ERROR 1205).",
        notes: "Configuration.\n1. Moved the finance report data source to the read replica.\n2. Changed the report query to plain SELECT (no FOR UPDATE) in the customer's custom report.\n3. Left innodb_lock_wait_timeout at 50 s; no lock waits since.",
        signal: "MySQL ERROR 1205 lock wait timeout on orders",
        ..EMPTY
    },
    Pattern {
        id: "db-oracle-service-name",
        domain: "database",
        weight: 0.8,
        l2: 0.3,
        l1_category: "user_error",
        l2_category: "user_error",
        kb: Some((
            "KB-3120",
            "Connect cannot reach Oracle after a migration to a pluggable database",
        )),
        products: &["connect"],
        components: &["database", "db"],
        tags: &["oracle", "database"],
        subjects: &[
            "Connector cannot connect to Oracle after our DB migration",
            "Oracle source: connection test fails",
            "Connect agent lost its Oracle connection after maintenance",
        ],
        description: "Our DBAs migrated the Oracle database to 19c last weekend. Since then the Connect agent cannot connect to it and no data has been synced. Nothing changed on our side except the database.",
        light: "Connection test: failed - ORA-12514: TNS:listener does not currently know of service requested in connect descriptor",
        light_codes: 1,
        heavy: &[h(
            "{{ts0}} ERROR [source-oracle] c.n.connect.source.OracleSource - connection test failed\njava.sql.SQLRecoverableException: Listener refused the connection with the following error:\nORA-12514, TNS:listener does not currently know of service requested in connect descriptor\n\tat oracle.jdbc.driver.T4CConnection.logon(T4CConnection.java:854)\n\tat oracle.jdbc.driver.PhysicalConnection.connect(PhysicalConnection.java:793)\n\tat oracle.jdbc.driver.T4CDriverExtension.getConnection(T4CDriverExtension.java:57)\n\tat com.northwind.connect.source.OracleSource.open(OracleSource.java:{{line1}})\nCaused by: oracle.net.ns.NetException: Listener refused the connection with the following error:\nORA-12514, TNS:listener does not currently know of service requested in connect descriptor\n\t... 9 more",
            1,
            true,
        )],
        ask: "Could you send us a screenshot of the Oracle source settings in Connect (with the password hidden) and the service name your DBAs gave you?",
        answer: "Our DBAs say the new service name is ORCLPDB1.{{mail}}.example.com. In Connect we still have the old SID ORCL.",
        tried: "Tried: restarted the Connect agent, verified the agent can reach the DB host on port 1521 (telnet works), re-entered the credentials.",
        l1_answer: "Since the migration your database runs as a pluggable database, so the connection has to use the service name instead of the old SID. In Connect > Sources > Oracle switch 'Connect using' to Service name and enter the PDB service name from your DBAs. Step by step: {{kb_url}}",
        analysis: "Connect descriptor still uses SID=ORCL of the old non-CDB instance; the listener only knows the PDB service. Nothing wrong on our side.",
        notes: "User error (connection settings).\n1. Switched the Oracle source from SID to service name (PDB service from the customer's DBA).\n2. Connection test green.\n3. Re-enabled the source; the agent caught up the backlog in {{n4}} minutes.",
        signal: "ORA-12514 from the Oracle listener",
        ..EMPTY
    },
    // -------------------------------------------------------------- networking
    Pattern {
        id: "net-tls-incomplete-chain",
        domain: "networking",
        weight: 1.1,
        l2: 0.45,
        l1_category: "configuration",
        l2_category: "configuration",
        kb: Some((
            "KB-4410",
            "Webhooks fail after a certificate renewal (incomplete chain)",
        )),
        products: &["connect", "api"],
        components: &["network", "api-gateway"],
        tags: &["tls", "network"],
        subjects: &[
            "TLS handshake fails after our certificate renewal",
            "Webhook deliveries to our endpoint fail with a certificate error",
            "PKIX path building failed when you call our endpoint",
        ],
        description: "Since we renewed the certificate on our inbound endpoint on {{date}}, your webhook deliveries to https://hooks.{{mail}}.example.com fail. Browsers show the site as secure, so the certificate itself should be fine.",
        light: "Delivery log: {{ts0}} delivery {{id8}} failed: TLS handshake error (unable to get local issuer certificate)",
        heavy: &[h(
            "{{ts0}} WARN  [webhook-dispatcher-2] c.n.webhooks.Dispatcher - delivery {{id8}} to https://hooks.{{mail}}.example.com failed\njavax.net.ssl.SSLHandshakeException: PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target\n\tat java.base/sun.security.ssl.Alert.createSSLException(Alert.java:131)\n\tat java.base/sun.security.ssl.TransportContext.fatal(TransportContext.java:378)\n\tat java.base/sun.security.ssl.CertificateMessage$T13CertificateConsumer.checkServerCerts(CertificateMessage.java:1357)\n\tat java.net.http/jdk.internal.net.http.HttpClientImpl.send(HttpClientImpl.java:908)\n\tat com.northwind.webhooks.Dispatcher.deliver(Dispatcher.java:{{line1}})\n$ curl -v https://hooks.{{mail}}.example.com/northwind\n* TLSv1.3 (OUT), TLS handshake, Client hello (1):\ncurl: (60) SSL certificate problem: unable to get local issuer certificate",
            0,
            true,
        )],
        ask: "Could you run `openssl s_client -connect hooks.{{mail}}.example.com:443 -showcerts` from any machine and send us the output?",
        answer: "Here is the openssl output: 'Certificate chain 0 s:CN = hooks.{{mail}}.example.com' and then 'Verify return code: 21 (unable to verify the first certificate)'.",
        tried: "Tried: re-sent a test delivery (fails), checked our outbound IPs are still allowed by the customer, opened the endpoint in a browser (certificate looks valid).",
        l1_answer: "Your server sends only the leaf certificate; the intermediate CA is missing. Browsers fill that gap themselves, our webhook client does not. Please install the full chain (leaf + intermediate) on the endpoint. Guide: {{kb_url}}",
        analysis: "openssl s_client shows chain depth 0 only: the intermediate is not served. PKIX failure on our side is expected behaviour.",
        notes: "Configuration on the customer side (incomplete certificate chain).\n1. Confirmed with openssl s_client: only the leaf certificate is served.\n2. Customer installed fullchain.pem on their reverse proxy.\n3. Replayed the failed deliveries from Webhooks > Failed > Retry all.",
        signal: "SSLHandshakeException: PKIX path building failed",
        ..EMPTY
    },
    Pattern {
        id: "net-dns-retired-hostname",
        domain: "networking",
        weight: 0.8,
        l2: 0.2,
        l1_category: "user_error",
        l2_category: "user_error",
        kb: Some(("KB-4402", "Use the regional API hostnames")),
        products: &["api", "connect"],
        components: &["dns", "network"],
        tags: &["dns", "network"],
        subjects: &[
            "Cannot resolve the API hostname from our network",
            "Integration fails: hostname not found",
            "Our scripts cannot reach the API since this week",
        ],
        description: "Our integration scripts stopped working this week. They cannot find your API server anymore. Nothing changed on our side as far as we know.",
        light: "Error: getaddrinfo ENOTFOUND api.eu1.northwind.example",
        light_codes: 1,
        heavy: &[h(
            "Error: getaddrinfo ENOTFOUND api.eu1.northwind.example\n    at GetAddrInfoReqWrap.onlookup [as oncomplete] (node:dns:107:26)\n    at GetAddrInfoReqWrap.callbackTrampoline (node:internal/async_hooks:130:17) {\n  errno: -3008,\n  code: 'ENOTFOUND',\n  syscall: 'getaddrinfo',\n  hostname: 'api.eu1.northwind.example'\n}\n$ nslookup api.eu1.northwind.example\n** server can't find api.eu1.northwind.example: NXDOMAIN",
            2,
            true,
        )],
        ask: "Which hostname do your scripts call, and does `nslookup api.eu-central.northwind.example` work from the same machine?",
        answer: "The scripts call api.eu1.northwind.example. The other hostname resolves fine from the same machine.",
        tried: "Tried: resolved the hostname from our side (NXDOMAIN as well), checked the changelog for endpoint changes.",
        l1_answer: "The legacy hostname api.eu1.northwind.example was retired last month; please switch to api.eu-central.northwind.example (see {{kb_url}}) and allow it in your DNS forwarder and proxy.",
        analysis: "Customer still calls the retired eu1 hostname; NXDOMAIN is expected since the DNS cutover.",
        notes: "User error (retired hostname).\n1. Customer switched the base URL to api.eu-central.northwind.example.\n2. Allowed the new hostname in their proxy.\n3. Scripts run again; no further action.",
        signal: "ENOTFOUND / NXDOMAIN on the API hostname",
        ..EMPTY
    },
    Pattern {
        id: "net-gateway-conn-reset",
        domain: "networking",
        weight: 1.0,
        l2: 0.6,
        l1_category: "workaround",
        l2_category: "bug_fix",
        products: &["api"],
        components: &["api-gateway", "load-balancer"],
        tags: &["network", "latency"],
        subjects: &[
            "Intermittent socket hang up on long API calls",
            "Random connection resets from the API gateway",
            "Long-running export calls fail with connection reset",
        ],
        description: "About 1 in 50 of our API calls fail with 'socket hang up', mostly calls that take longer than a minute. Short calls are fine. We use the official Node SDK 3.4.1.",
        light: "{{ts0}} WARN  sync - request {{req}} failed: socket hang up (retrying)",
        heavy: &[h(
            "Error: read ECONNRESET\n    at TLSWrap.onStreamRead (node:internal/stream_base_commons:217:20)\n    at TLSWrap.callbackTrampoline (node:internal/async_hooks:130:17) {\n  errno: -104,\n  code: 'ECONNRESET',\n  syscall: 'read'\n}\nGateway access log (from your support portal export):\n{{ip}} - - [{{clf}}] \"POST /v2/exports HTTP/1.1\" 502 0 \"-\" \"northwind-sdk/3.4.1\" rt=60.001",
            3,
            true,
        )],
        ask: "Could you send us the request ids (x-request-id header) of a few failed calls and their UTC timestamps?",
        answer: "Here are three request ids of failed calls: {{req}}, {{id8}}-retry, and one from {{time}} UTC. All were export calls.",
        tried: "Tried: reproduced with a 70 s export call from our side (fails 1 in 30), checked the status page, asked the customer to upgrade the SDK (no change).",
        l1_answer: "Workaround until the gateway fix: enable retries on network errors in the SDK (new Client({ retry: { onNetworkError: true } })); the affected calls are idempotent.",
        analysis: "Gateway idle timeout 60 s is shorter than the upstream keep-alive of 75 s: the gateway reuses connections the upstream has just closed. ECONNRESET / 502 at rt=60.001 fits.",
        notes: "Bug in our gateway configuration, fixed by the rollout on {{fix_date}}: gateway idle timeout 120 s, upstream keep-alive 65 s.\n1. No customer action needed.\n2. SDK 3.5+ retries ECONNRESET on idempotent calls.\n3. Monitored 48 h: no resets on calls above 60 s.",
        signal: "ECONNRESET and 502 at exactly 60 s on the gateway",
        severe: true,
        ..EMPTY
    },
    Pattern {
        id: "net-vpn-mtu",
        domain: "networking",
        weight: 0.8,
        l2: 0.55,
        l1_category: "configuration",
        l2_category: "configuration",
        kb: Some((
            "KB-4415",
            "Site-to-site VPN: large requests hang (MTU and MSS clamping)",
        )),
        products: &["connect"],
        components: &["vpn", "network"],
        tags: &["vpn", "network"],
        subjects: &[
            "Large uploads hang over the site-to-site VPN",
            "Requests over the VPN tunnel time out for big payloads",
            "Packet loss on the VPN to your EU region",
        ],
        description: "Since we moved our Connect agent behind the new site-to-site VPN, small requests work but uploads larger than a few KB hang until they time out.",
        light: "Small requests work, anything above roughly 1400 bytes hangs until the client gives up.",
        heavy: &[h(
            "$ ping -M do -s 1472 10.40.0.12\nPING 10.40.0.12 (10.40.0.12) 1472(1500) bytes of data.\nping: local error: message too long, mtu=1400\n$ traceroute -T -p 443 10.40.0.12\n 1  10.20.0.1  0.412 ms\n 2  169.254.21.1  11.204 ms\n 3  * * *\n{{ts0}} ERROR uploader - POST https://connect.internal:443/v2/files failed: ETIMEDOUT after 30000 ms\njava.net.SocketTimeoutException: Read timed out\n\tat java.base/sun.nio.ch.NioSocketImpl.timedRead(NioSocketImpl.java:288)\n\tat java.base/java.net.Socket$SocketInputStream.read(Socket.java:976)\n\tat com.northwind.connect.upload.ChunkUploader.send(ChunkUploader.java:{{line1}})",
            1,
            true,
        )],
        ask: "Could you run `ping -M do -s 1472 <agent gateway IP>` from the agent host and tell us the MTU of the tunnel interface?",
        answer: "The tunnel interface has MTU 1400. The ping with 1472 bytes fails with 'message too long'.",
        tried: "Tried: restarted the Connect agent, checked the agent can reach the relay (small requests fine), reviewed the agent log.",
        l1_answer: "The tunnel has an MTU of 1400 but large packets are not fragmented or clamped. Please enable TCP MSS clamping to 1360 on the tunnel interface of your firewall; see {{kb_url}}.",
        analysis: "Path MTU 1400 on the tunnel, DF set, ICMP 'fragmentation needed' dropped by the customer firewall: classic PMTUD black hole.",
        notes: "Configuration (customer firewall).\n1. TCP MSS clamping to 1360 on the tunnel interface.\n2. Verified with ping -M do -s 1372.\n3. Uploads of {{n4}} MB complete again.",
        signal: "traceroute stops at the tunnel, MTU 1400, ETIMEDOUT on large uploads",
        ..EMPTY
    },
    Pattern {
        id: "net-proxy-allowlist",
        domain: "networking",
        weight: 0.9,
        l2: 0.1,
        l1_category: "how_to",
        l2_category: "how_to",
        kb: Some((
            "KB-4420",
            "IP ranges, ports and proxy settings for webhooks and the Connect agent",
        )),
        products: &["connect", "api"],
        components: &["network", "cdn"],
        tags: &["network", "networking"],
        subjects: &[
            "Which IP addresses do your webhooks come from?",
            "Our corporate proxy blocks the Connect agent",
            "Firewall rules needed for the Connect agent",
        ],
        description: "Our firewall team needs the list of IP ranges and ports before they can open the connection for the Connect agent and your webhooks.",
        light: "The agent log only says it cannot reach the relay through our proxy.",
        heavy: &[h(
            "{{ts0}} WARN  tunnel - proxy CONNECT to relay.eu-central.northwind.example:443 returned HTTP 407 Proxy Authentication Required\n{{ts1}} ERROR tunnel - giving up after 5 attempts: ETIMEDOUT",
            2,
            false,
        )],
        ask: "Does your proxy require authentication, and is it an explicit proxy or a transparent one?",
        answer: "Yes, it is an explicit proxy with authentication (proxy.{{mail}}.example.com:8080).",
        tried: "Tried: checked the agent configuration the customer sent (no proxy section), looked up the current IP ranges.",
        l1_answer: "Webhooks come from 203.0.113.0/26 and 198.51.100.128/26 (EU), and the Connect agent needs outbound 443 to relay.eu-central.northwind.example. For an authenticating proxy set proxy.url and proxy.user in agent.conf. All details: {{kb_url}}",
        analysis: "Agent behind an authenticating proxy without proxy settings: 407 then timeouts.",
        notes: "How-to.\n1. Sent the IP ranges and ports.\n2. Customer added proxy.url and proxy.user to agent.conf.\n3. Agent connected to the relay.",
        signal: "HTTP 407 from the corporate proxy",
        ..EMPTY
    },
    // ---------------------------------------------------------------- identity
    Pattern {
        id: "idp-saml-clock-skew",
        domain: "identity",
        weight: 1.1,
        l2: 0.45,
        l1_category: "configuration",
        l2_category: "configuration",
        kb: Some((
            "KB-1187",
            "SAML login fails: assertion is not yet valid (clock skew)",
        )),
        products: &["portal"],
        components: &["sso", "login"],
        tags: &["sso", "saml"],
        subjects: &[
            "SSO login fails for some users: SAML response not yet valid",
            "Single sign-on fails intermittently after our IdP change",
            "SAML login error 'assertion not yet valid'",
        ],
        description: "Some colleagues get 'Login failed, please contact your administrator' after the redirect from our identity provider. Retrying a minute later usually works. It started after we moved our IdP to a new server.",
        light: "Error page after the redirect: 'Login failed, please contact your administrator' (reference {{id8}})",
        heavy: &[h(
            "{{ts0}} WARN  [http-nio-8443-exec-{{n4}}] o.s.s.saml2.provider.service.web.Saml2WebSsoAuthenticationFilter - SAML login failed\norg.springframework.security.saml2.core.Saml2AuthenticationException: Invalid assertion [_{{id8}}] for SAML response [_{{req}}]: Assertion is not yet valid (NotBefore={{iso0}})\n\tat org.springframework.security.saml2.provider.service.authentication.OpenSaml4AuthenticationProvider.process(OpenSaml4AuthenticationProvider.java:{{line1}})\n\tat org.springframework.security.saml2.provider.service.authentication.OpenSaml4AuthenticationProvider.authenticate(OpenSaml4AuthenticationProvider.java:{{line2}})\n\tat org.springframework.security.authentication.ProviderManager.authenticate(ProviderManager.java:182)\n\tat org.springframework.security.web.FilterChainProxy$VirtualFilterChain.doFilter(FilterChainProxy.java:374)",
            0,
            true,
        )],
        ask: "Could you send us the exact time (with time zone) of a failed login and the user's email address, so we can find it in our logs?",
        answer: "One failed login was at {{time}} UTC today, user {{user_email}}. It worked again two minutes later.",
        tried: "Tried: asked the user to clear cache and cookies (same), checked the SAML metadata is current, compared the IdP signing certificate (matches).",
        l1_answer: "The clock of your new IdP server runs ahead, so our side sees the assertion as 'not yet valid'. Please enable NTP time synchronisation on the IdP host. Details: {{kb_url}}",
        analysis: "NotBefore is 95 s after our receive time on every failure: the IdP host clock is ahead. Our allowed skew is 60 s.",
        notes: "Configuration (IdP clock).\n1. Customer enabled NTP on the IdP host (was 95 s ahead).\n2. Raised the tenant's allowed clock skew to 120 s as a safety margin.\n3. No failed SAML logins in the next 24 h.",
        signal: "Saml2AuthenticationException: assertion not yet valid",
        ..EMPTY
    },
    Pattern {
        id: "idp-aadsts-redirect-uri",
        domain: "identity",
        weight: 0.9,
        l2: 0.2,
        l1_category: "configuration",
        l2_category: "configuration",
        kb: Some((
            "KB-1190",
            "Entra ID sign-in: AADSTS50011 reply URL mismatch",
        )),
        products: &["portal"],
        components: &["sso", "auth", "identity"],
        tags: &["sso", "oidc", "login"],
        subjects: &[
            "Microsoft login fails after our domain change",
            "Azure AD sign-in error on the portal",
            "Cannot log in with Entra ID since yesterday",
        ],
        description: "We changed our portal address to {{mail}}.northwind.example yesterday. Since then nobody can log in with their Microsoft account; the Microsoft page shows an error about the redirect URI.",
        light: "AADSTS50011: The redirect URI 'https://{{mail}}.northwind.example/sso/oidc/callback' specified in the request does not match the redirect URIs configured for the application.",
        light_codes: 1,
        heavy: &[h(
            "Microsoft.Identity.Client.MsalServiceException: AADSTS50011: The redirect URI 'https://{{mail}}.northwind.example/sso/oidc/callback' specified in the request does not match the redirect URIs configured for the application '{{req}}'.\n   at Microsoft.Identity.Client.OAuth2.OAuth2Client.ThrowServerException(HttpResponse response, RequestContext requestContext)\n   at Microsoft.Identity.Client.OAuth2.OAuth2Client.CreateResponse[T](HttpResponse response, RequestContext requestContext)\n   at Northwind.Sso.OidcHandler.ExchangeCodeAsync(String code) in D:\\a\\sso\\src\\OidcHandler.cs:line {{line1}}\nCorrelation ID: {{req}}\nTimestamp: {{iso0}}",
            1,
            true,
        )],
        ask: "Could you send us a screenshot of the Authentication page of the app registration in Entra ID (redirect URIs)?",
        answer: "Screenshot of the app registration attached. It lists only the old address.",
        tried: "Tried: checked the tenant's SSO settings (new domain active), tested the login ourselves (same error).",
        l1_answer: "The app registration in Entra ID still lists the old address. Please add https://{{mail}}.northwind.example/sso/oidc/callback as a redirect URI under App registrations > Authentication; see {{kb_url}}.",
        analysis: "AADSTS50011: redirect URI of the new custom domain not registered in the customer's app registration.",
        notes: "Configuration (customer's app registration).\n1. Customer added the new redirect URI in Entra ID.\n2. Removed the old one after testing.\n3. Login works for all users.",
        signal: "AADSTS50011 redirect URI mismatch",
        ..EMPTY
    },
    Pattern {
        id: "idp-mfa-reset",
        domain: "identity",
        weight: 1.1,
        l2: 0.04,
        l1_category: "how_to",
        l2_category: "how_to",
        kb: Some(("KB-1102", "Reset MFA for a user who lost their device")),
        products: &["portal"],
        components: &["login", "auth", "identity"],
        tags: &["mfa", "2fa", "login"],
        subjects: &[
            "Employee lost their phone and cannot log in (2FA)",
            "How do we reset MFA for a user?",
            "Locked out after changing phones",
        ],
        description: "One of our employees got a new phone and can no longer log in because the authenticator app is gone. How can we reset this?",
        light: "",
        heavy: &[h(
            "{{ts0}} WARN  auth - mfa challenge failed for user {{user_email}} (5/5), account locked for 30 min\n{{ts1}} INFO  auth - POST /api/v2/session/mfa returned 423 Locked",
            1,
            false,
        )],
        ask: "Is the affected person an organisation admin, and is there another admin in your organisation?",
        answer: "Yes, unfortunately she is our only admin.",
        tried: "Tried: checked the user's account (MFA enrolled, locked after 5 attempts), checked for other admins.",
        l1_answer: "An organisation admin can reset it: Admin > Users > select the user > Sign-in > Reset MFA. The user enrols a new device at the next login. Step by step: {{kb_url}}",
        analysis: "The only organisation admin is the locked-out user; a back-office reset with identity verification is needed.",
        notes: "How-to (back-office reset).\n1. Verified the requester with the account owner on file.\n2. Reset MFA for the admin via back office.\n3. Admin enrolled a new device and added a second admin, as recommended in {{kb}}.",
        signal: "MFA lockout of the only admin",
        ..EMPTY
    },
    Pattern {
        id: "idp-scim-group-rename",
        domain: "identity",
        weight: 0.8,
        l2: 0.65,
        l1_category: "workaround",
        l2_category: "bug_fix",
        products: &["portal"],
        components: &["scim", "iam", "identity"],
        tags: &["auth", "permissions"],
        subjects: &[
            "Users lost access after a group rename in our directory",
            "SCIM provisioning deactivated users",
            "Provisioning sync removes users from groups",
        ],
        description: "After we renamed a group in our directory yesterday, {{n5}} users lost access to their projects. The provisioning log in our directory shows errors for that group.",
        light: "Provisioning log: group 'Sales EMEA' update failed, {{n5}} members skipped",
        heavy: &[h(
            "Traceback (most recent call last):\n  File \"/srv/identity/scim/handlers.py\", line {{line1}}, in patch_group\n    members = self._resolve(op.value)\n  File \"/srv/identity/scim/handlers.py\", line {{line2}}, in _resolve\n    raise ConflictError(f\"group {display_name} already exists\")\nidentity.scim.errors.ConflictError: group displayName already exists\n{{ip}} - - [{{clf}}] \"PATCH /scim/v2/Groups/{{id8}} HTTP/1.1\" 409 112",
            1,
            true,
        )],
        ask: "Could you export the provisioning log entries for that group from your directory and tell us the old and new group names?",
        answer: "The group was renamed from 'Sales' to 'Sales EMEA' yesterday at about {{time}} UTC. Provisioning log attached.",
        tried: "Tried: re-ran provisioning on demand for one user (access restored for that user only), checked the SCIM token is valid.",
        l1_answer: "Workaround: re-add the affected users to the group in Admin > Groups, or trigger 'Provision on demand' per user in your directory; the rename itself is what fails.",
        analysis: "PATCH on a renamed group is treated as create-with-existing-name; the 409 aborts the member sync and the next full sync removes the members.",
        notes: "Bug fixed in {{fix_version}}: a SCIM PATCH with a new displayName now renames the group instead of failing with 409.\n1. Restored the group memberships from the audit log.\n2. Deployed {{fix_version}} to the customer's region.\n3. Asked the customer to re-run a full provisioning cycle (clean).",
        signal: "SCIM PATCH /Groups returning 409 Conflict",
        ..EMPTY
    },
    Pattern {
        id: "idp-refresh-invalid-grant",
        domain: "identity",
        weight: 0.9,
        l2: 0.4,
        l1_category: "known_issue",
        l2_category: "known_issue",
        kb: Some((
            "KB-1195",
            "Token refresh fails with invalid_grant after a password change",
        )),
        products: &["api"],
        components: &["auth", "identity"],
        tags: &["auth", "oidc"],
        subjects: &[
            "Integration stops every few weeks: token refresh fails",
            "OAuth refresh token rejected",
            "API integration logged out after password change",
        ],
        description: "Our integration user's connection stops working every few weeks and we have to re-authorise it by hand. It seems to happen after the service account's password is rotated.",
        light: "{\"error\":\"invalid_grant\",\"error_description\":\"refresh token revoked\"}",
        light_codes: 1,
        heavy: &[h(
            "Traceback (most recent call last):\n  File \"/app/integrations/northwind_client.py\", line {{line1}}, in refresh\n    token = self.oauth.refresh_token(TOKEN_URL, refresh_token=rt)\n  File \"/usr/local/lib/python3.12/site-packages/authlib/integrations/requests_client/oauth2_session.py\", line 117, in refresh_token\n    return self._refresh_token(url, refresh_token=refresh_token, body=body, headers=headers, auth=auth, **session_kwargs)\nauthlib.integrations.base_client.errors.OAuthError: invalid_grant: refresh token revoked\nPOST https://auth.northwind.example/oauth/token returned HTTP 400",
            2,
            true,
        )],
        ask: "Could you tell us when the service account's password was last changed, and send the time of the first failed refresh?",
        answer: "The password was rotated on {{date}}; the first failure in our log is a few minutes later.",
        tried: "Tried: re-authorised the integration (works again), checked the token lifetime settings of the tenant.",
        l1_answer: "This is a known behaviour: a password change revokes all refresh tokens of that user. Use a client-credentials app for the integration instead of a user login, as described in {{kb_url}}.",
        analysis: "Refresh tokens are revoked on password change by design; the customer's rotation policy changes the service account password every 30 days.",
        notes: "Known issue (refresh tokens revoked on password change).\n1. Created a client-credentials application for the integration.\n2. Customer switched the integration to it.\n3. Service account password rotation no longer affects the integration.",
        signal: "invalid_grant on token refresh",
        ..EMPTY
    },
    Pattern {
        id: "idp-role-wrong-workspace",
        domain: "identity",
        weight: 0.9,
        l2: 0.08,
        l1_category: "user_error",
        l2_category: "user_error",
        kb: Some(("KB-1140", "Roles apply per workspace")),
        products: &["portal"],
        components: &["permissions", "iam"],
        tags: &["permissions"],
        subjects: &[
            "New colleague cannot see the project although she has the Editor role",
            "Permission problem after role change",
            "User gets 'no access' on a shared project",
        ],
        description: "I gave our new colleague the Editor role yesterday, but she still gets 'You do not have access to this project'.",
        light: "",
        heavy: &[h(
            "{{ts0}} INFO  authz - deny user={{user_email}} action=project.read project={{id8}} reason=no_role_in_workspace\n{{ts1}} INFO  api - GET /api/v2/projects/{{id8}} returned 403",
            1,
            false,
        )],
        ask: "In which workspace did you assign the role, and which workspace does the project belong to?",
        answer: "I assigned it in the Default workspace. The project is in the 'Customer Success' workspace.",
        tried: "Tried: checked the user's roles (Editor in workspace 'Default' only), asked the user to log out and in.",
        l1_answer: "Roles apply per workspace: the Editor role was given in 'Default', but the project is in another workspace. Please add her under Admin > Workspaces > (project's workspace) > Members. Details: {{kb_url}}",
        analysis: "Role assigned in the wrong workspace; authz denies as designed.",
        notes: "User error.\n1. Added the user to the project's workspace with the Editor role.\n2. User confirmed access.",
        signal: "authorization denied: no role in workspace",
        ..EMPTY
    },
    // ---------------------------------------------------------------- platform
    Pattern {
        id: "plat-agent-crashloop",
        domain: "platform",
        weight: 1.1,
        l2: 0.7,
        l1_category: "workaround",
        l2_category: "bug_fix",
        products: &["connect", "analytics"],
        components: &["kubernetes", "k8s", "deploy"],
        tags: &["kubernetes", "k8s", "deploy"],
        subjects: &[
            "Agent pods restart in a loop after the upgrade to {{version}}",
            "CrashLoopBackOff after Helm upgrade",
            "Collector keeps crashing since {{version}}",
        ],
        description: "After the Helm upgrade to {{version}} the agent pods keep restarting and no data arrives. The previous version ran fine for months.",
        light: "The pods show many restarts since the upgrade; rolling back to {{prev_version}} makes them stable again.",
        heavy: &[h(
            "$ kubectl -n northwind get pods\nNAME                        READY   STATUS             RESTARTS      AGE\nnw-agent-7c9d5b-x2kqp       0/1     CrashLoopBackOff   14 (2m ago)   48m\n$ kubectl -n northwind logs nw-agent-7c9d5b-x2kqp --previous\npanic: runtime error: invalid memory address or nil pointer dereference\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x6c1e2a]\n\ngoroutine 57 [running]:\ngithub.com/northwind/agent/internal/collector.(*Collector).apply(0xc0001a2000, {0x0, 0x0})\n\t/src/internal/collector/collector.go:{{line1}} +0x4a\ngithub.com/northwind/agent/internal/collector.(*Collector).Run(0xc0001a2000, {0x9a8f20, 0xc000124000})\n\t/src/internal/collector/collector.go:{{line2}} +0x1d3\ncreated by main.main in goroutine 1\n\t/src/cmd/agent/main.go:64 +0x5a5",
            0,
            true,
        )],
        ask: "Could you send us the output of `kubectl -n northwind logs <agent pod> --previous` and your values.yaml (without secrets)?",
        answer: "Logs and values.yaml attached (passwords removed). We don't use a proxy, so that section is not in our values.",
        tried: "Tried: asked the customer to delete the pods (same crash), rolled back to {{prev_version}} on their side (stable), checked the release notes.",
        l1_answer: "Workaround until the fix: add an empty proxy section (proxy: {}) to values.yaml and run helm upgrade again; the agent then starts normally on {{version}}.",
        analysis: "nil pointer in collector.apply when values.yaml has no proxy block: the new config loader leaves the section nil.",
        notes: "Bug fixed in {{fix_version}} (nil proxy config in the collector).\n1. Workaround: add `proxy: {}` to values.yaml.\n2. Upgrade to {{fix_version}}.\n3. Confirmed stable pods for 24 h.",
        signal: "Go panic nil pointer in the collector, CrashLoopBackOff",
        severe: true,
        ..EMPTY
    },
    Pattern {
        id: "plat-worker-oomkilled",
        domain: "platform",
        weight: 0.9,
        l2: 0.5,
        l1_category: "configuration",
        l2_category: "configuration",
        kb: Some((
            "KB-5203",
            "Workers OOMKilled: memory limits for large tenants",
        )),
        products: &["analytics"],
        components: &["compute", "kubernetes"],
        tags: &["k8s", "platform"],
        subjects: &[
            "Workers restart several times a day",
            "Worker pods OOMKilled during the morning batch",
            "Batch workers run out of memory",
        ],
        description: "Our self-hosted workers restart a few times a day, usually during the big morning batch. Some batches then have to be re-run.",
        light: "The restarts line up with the morning batch, around {{time}}.",
        heavy: &[h(
            "$ kubectl -n northwind describe pod nw-worker-5f7b9-abcde\n    Last State:     Terminated\n      Reason:       OOMKilled\n      Exit Code:    137\n    Limits:\n      memory:  2Gi\n{{ts0}} ERROR [batch-2] c.n.worker.BatchRunner - batch {{job}} failed\njava.lang.OutOfMemoryError: Java heap space\n\tat java.base/java.util.Arrays.copyOf(Arrays.java:3537)\n\tat java.base/java.util.ArrayList.grow(ArrayList.java:237)\n\tat com.northwind.worker.BatchAggregator.add(BatchAggregator.java:{{line1}})\n\tat com.northwind.worker.BatchRunner.run(BatchRunner.java:{{line2}})",
            0,
            true,
        )],
        ask: "Could you send us `kubectl describe pod` of a restarted worker and the resources section of your values.yaml?",
        answer: "The describe output is attached. The workers have a 2Gi memory limit, which we never changed.",
        tried: "Tried: checked node capacity (enough free memory), asked the customer to split the morning batch (fewer restarts).",
        l1_answer: "The workers' memory limit of 2Gi is too small for your data volume. Please set worker.resources.limits.memory to 6Gi and worker.heap to 4g in values.yaml and upgrade the release; see {{kb_url}}.",
        analysis: "Heap sized at 80% of a 2Gi limit; BatchAggregator holds the whole morning batch in memory for tenants above 5M rows.",
        notes: "Configuration (resources).\n1. worker.resources.limits.memory 6Gi, worker.heap 4g.\n2. batch.chunkSize 50000 to bound memory.\n3. No OOMKilled in a week.",
        signal: "OOMKilled exit 137 and Java heap space",
        ..EMPTY
    },
    Pattern {
        id: "plat-disk-full-logrotate",
        domain: "platform",
        weight: 0.8,
        l2: 0.55,
        l1_category: "known_issue",
        l2_category: "known_issue",
        kb: Some(("KB-5210", "Ingest nodes run out of disk: spool not rotated")),
        products: &["analytics", "connect"],
        components: &["storage", "hosting", "infrastructure"],
        tags: &["disk", "infra"],
        subjects: &[
            "Ingest node disk keeps growing",
            "No space left on device on the ingest node",
            "Ingestion stopped: disk full",
        ],
        description: "Disk usage on our ingest node grows by about 5 GB per day and never goes down. Today ingestion stopped.",
        light: "Disk usage of /var/lib/northwind went from 60% to 100% in a week.",
        heavy: &[h(
            "{{ts0}} ERROR ingest - write /var/lib/northwind/spool/{{id8}}.seg: no space left on device\n{{ts1}} ERROR ingest - flush failed: ENOSPC\n{{ts2}} FATAL ingest - spool unavailable, stopping intake\n$ df -h /var/lib/northwind\nFilesystem      Size  Used Avail Use% Mounted on\n/dev/nvme1n1    200G  200G     0 100% /var/lib/northwind\n$ du -sh /var/lib/northwind/spool/done\n183G\t/var/lib/northwind/spool/done",
            1,
            false,
        )],
        ask: "Could you send us the output of `df -h` and `du -sh /var/lib/northwind/spool/*` on the ingest node?",
        answer: "df shows the volume at 100%, and spool/done alone is 183G.",
        tried: "Tried: restarted the ingest service (no effect), checked retention settings (default 7 days).",
        l1_answer: "This is a known issue in {{version}}: processed spool segments are not deleted. Until you upgrade to {{fix_version}}, remove files older than one day from /var/lib/northwind/spool/done and restart the ingest service; see {{kb_url}}.",
        analysis: "spool/done never cleaned: the cleanup job skips segments when retention is set in hours. Known issue, fixed in {{fix_version}}.",
        notes: "Known issue (spool cleanup).\n1. Deleted spool/done segments older than 24 h.\n2. Restarted the ingest service; intake resumed, no data lost (upstream buffered).\n3. Upgrade to {{fix_version}} scheduled by the customer.",
        signal: "ENOSPC on the spool volume",
        severe: true,
        ..EMPTY
    },
    Pattern {
        id: "plat-imagepull-secret",
        domain: "platform",
        weight: 0.7,
        l2: 0.2,
        l1_category: "user_error",
        l2_category: "user_error",
        kb: Some((
            "KB-5215",
            "Pods stuck in ImagePullBackOff: registry pull secret expired",
        )),
        products: &["connect"],
        components: &["deploy", "kubernetes"],
        tags: &["deploy", "k8s"],
        subjects: &[
            "New pods cannot pull the image",
            "Upgrade stuck: pods in ImagePullBackOff",
            "Registry login fails in our cluster",
        ],
        description: "We tried to upgrade to {{version}} today but the new pods never start; the old ones are still running.",
        light: "The new pods stay in ImagePullBackOff.",
        heavy: &[h(
            "Events:\n  Warning  Failed     12s (x4 over 95s)  kubelet  Failed to pull image \"registry.northwind.example/agent:{{version}}\": rpc error: code = Unknown desc = failed to authorize: failed to fetch oauth token: unexpected status: 401 Unauthorized\n  Warning  Failed     12s (x4 over 95s)  kubelet  Error: ErrImagePull\n  Normal   BackOff    1s (x6 over 94s)   kubelet  Back-off pulling image \"registry.northwind.example/agent:{{version}}\"",
            2,
            false,
        )],
        ask: "Could you send us the events of one of the new pods (`kubectl describe pod`)?",
        answer: "The pod events are attached; they mention a failure to authorize against your registry.",
        tried: "Tried: checked that the image tag exists in our registry, checked the customer's licence (active).",
        l1_answer: "The registry pull secret in your cluster has expired (registry tokens are valid for one year). Please create a new token in the portal under Downloads > Registry access and update the secret nw-registry; see {{kb_url}}.",
        analysis: "Registry token expired on {{date}}; 401 on pull is expected.",
        notes: "User error (expired pull secret).\n1. Customer created a new registry token.\n2. Updated the nw-registry secret and re-ran the upgrade.\n3. Pods running on {{version}}.",
        signal: "401 Unauthorized pulling from the registry",
        ..EMPTY
    },
    Pattern {
        id: "plat-503-during-deploy",
        domain: "platform",
        weight: 0.8,
        l2: 0.6,
        l1_category: "workaround",
        l2_category: "bug_fix",
        products: &["portal", "analytics"],
        components: &["hosting", "infrastructure", "deploy"],
        tags: &["platform", "deploy"],
        subjects: &[
            "Error page for a few minutes during every release",
            "Service unavailable errors during deployments",
            "Users see errors during your maintenance window",
        ],
        description: "During each of your deployment windows our users see an error page for one or two minutes. Our call centre depends on the portal during the day.",
        light: "Users saw the error page between {{time}} and a few minutes later (UTC).",
        heavy: &[h(
            "{{ts0}} upstream connect error or disconnect/reset before headers. reset reason: connection failure\n{{ip}} - - [{{clf}}] \"GET /api/v2/dashboards HTTP/1.1\" 503 91 \"-\" \"Mozilla/5.0\"\n{{ts1}} Warning  Unhealthy  pod/portal-6d8f7b-q9x2z  Readiness probe failed: HTTP probe failed with statuscode: 503\n{{ts2}} Normal   Killing    pod/portal-6d8f7b-w4k8p  Stopping container portal",
            1,
            false,
        )],
        ask: "Could you send us the times (UTC) when users saw the error page and a screenshot of it?",
        answer: "Users saw it at {{time}} UTC and again yesterday at about the same time. Screenshot attached.",
        tried: "Tried: matched the times with our deployment calendar (every time a release), checked the status page (maintenance announced).",
        l1_answer: "Workaround: our releases for your region can be moved outside your office hours; we have set your tenant's maintenance window to 22:00-23:00 local time.",
        analysis: "Old pods are killed before the load balancer drains them: no preStop hook, readiness flips only after SIGTERM.",
        notes: "Bug fixed in the platform release of {{fix_date}}: preStop hook with 20 s drain and maxUnavailable 0.\n1. No customer action needed.\n2. Verified during the next two releases: no 503 at the edge.",
        signal: "503 at the edge while pods are replaced",
        severe: true,
        ..EMPTY
    },
    // ----------------------------------------------------------------- billing
    Pattern {
        id: "bill-double-charge",
        domain: "billing",
        weight: 1.0,
        l2: 0.5,
        l1_category: "no_fault_found",
        l2_category: "bug_fix",
        products: &["pay"],
        components: &["billing", "payments", "subscriptions"],
        tags: &["billing", "payment", "refund"],
        subjects: &[
            "Charged twice for the annual subscription",
            "Double charge on our credit card",
            "Renewal was billed two times",
        ],
        description: "Our credit card statement shows the annual renewal of {{amount}} twice on {{date}} (card ending {{last4}}). Please refund the second charge.",
        light: "Both charges show the same amount, {{amount}}, on {{date}}.",
        heavy: &[h(
            "{{ts0}} INFO  billing-webhooks - received payment_intent.succeeded pi_{{id8}} (attempt 1)\n{{ts1}} WARN  billing-webhooks - handler timeout after 10000 ms, provider will retry\n{{ts2}} INFO  billing-webhooks - received payment_intent.succeeded pi_{{id8}} (attempt 2)\n{{ts3}} ERROR ledger - invoice {{invoice}} charged twice\nError: Invoice {{invoice}} already finalized\n    at InvoiceService.finalize (/srv/billing/src/invoices/service.ts:{{line1}}:15)\n    at async WebhookHandler.onPaymentSucceeded (/srv/billing/src/webhooks/handler.ts:{{line2}}:7)\n    at async Router.dispatch (/srv/billing/src/http/router.ts:88:5)",
            0,
            true,
        )],
        ask: "Could you send us the invoice number and a screenshot of the two transactions on your statement (card number hidden)?",
        answer: "The invoice is {{invoice}}. Screenshot of the statement attached (card number hidden).",
        tried: "Tried: checked the invoice in the billing console (one invoice, one payment), looked up the payment provider's pending authorisations.",
        l1_answer: "Only one charge was captured; the second line on your statement is a pre-authorisation hold from the retry of the renewal. It disappears within 5 to 7 days without any action.",
        analysis: "Two captures for one invoice: the webhook handler timed out, the provider retried, and the retry was not deduplicated.",
        notes: "Bug fixed in billing {{fix_version}}: the payment webhook handler is idempotent per payment_intent.\n1. Refunded the duplicate charge of {{amount}} (refund re_{{id8}}).\n2. Sent a corrected statement.\n3. Checked other renewals of that day: two more tenants refunded proactively.",
        signal: "payment_intent webhook processed twice",
        ..EMPTY
    },
    Pattern {
        id: "bill-card-declined",
        domain: "billing",
        weight: 1.0,
        l2: 0.05,
        l1_category: "user_error",
        l2_category: "user_error",
        kb: Some(("KB-7001", "Renewal failed: card declined")),
        products: &["pay"],
        components: &["payments", "checkout"],
        tags: &["payment", "billing"],
        subjects: &[
            "Renewal payment failed",
            "Our card was declined at renewal",
            "Payment failed email, but the card is fine",
        ],
        description: "We got an email that the payment for our renewal failed, but the card works everywhere else.",
        light: "The email says: card_declined. Please update your payment method.",
        heavy: &[h(
            "{{ts0}} WARN  billing - charge ch_{{id8}} for invoice {{invoice}} failed: card_declined (decline_code=do_not_honor)",
            0,
            false,
        )],
        ask: "Could you check with your bank whether they blocked a payment to Northwind on {{date}}?",
        answer: "Our bank says they blocked it as a suspected fraud and have now allowed your company.",
        tried: "Tried: checked the payment attempts (declined by the issuing bank, do_not_honor), retried the charge (declined).",
        l1_answer: "The payment was declined by your bank (do_not_honor), not by us. Please ask your bank to allow payments to Northwind, or add another card under Billing > Payment methods; see {{kb_url}}.",
        analysis: "Issuer decline, no fault on our side.",
        notes: "User error (bank declined).\n1. Customer's bank allowed the merchant.\n2. Retried the charge: paid.",
        signal: "card_declined do_not_honor",
        ..EMPTY
    },
    Pattern {
        id: "bill-vat-id",
        domain: "billing",
        weight: 0.9,
        l2: 0.06,
        l1_category: "how_to",
        l2_category: "how_to",
        kb: Some(("KB-7010", "Add your VAT ID for reverse-charge invoices")),
        products: &["pay"],
        components: &["invoicing", "billing"],
        tags: &["invoice", "tax"],
        subjects: &[
            "VAT ID missing on our invoice",
            "How do we get reverse charge on invoices?",
            "Rechnung ohne USt-IdNr.",
        ],
        description: "Our accounting department needs our VAT ID on the invoice and reverse charge instead of VAT. Invoice {{invoice}} shows VAT.",
        light: "",
        heavy: &[h(
            "Invoice {{invoice}}: VAT 19% applied, customer VAT ID empty, country {{country}}",
            0,
            false,
        )],
        ask: "Could you send us your VAT ID and confirm the billing address?",
        answer: "Our VAT ID is {{country}}{{n3}}. The billing address is unchanged.",
        tried: "Tried: checked the billing profile (VAT ID empty).",
        l1_answer: "You can add your VAT ID under Billing > Company details; from the next invoice reverse charge applies. We have re-issued invoice {{invoice}} with your VAT ID. Details: {{kb_url}}",
        analysis: "VAT ID never entered; tax correct for the data we had.",
        notes: "How-to.\n1. Added the VAT ID after validation in VIES.\n2. Re-issued invoice {{invoice}} as reverse charge and cancelled the old one.",
        signal: "invoice tax question",
        ..EMPTY
    },
    Pattern {
        id: "bill-proration",
        domain: "billing",
        weight: 0.8,
        l2: 0.35,
        l1_category: "known_issue",
        l2_category: "known_issue",
        kb: Some((
            "KB-7015",
            "Unexpected proration after removing and re-adding seats",
        )),
        products: &["pay"],
        components: &["subscriptions", "invoicing"],
        tags: &["subscription", "invoice"],
        subjects: &[
            "Unexpected extra charge after changing seats",
            "Proration on our invoice does not make sense",
            "Charged for seats we removed",
        ],
        description: "We removed {{n5}} seats and added {{n5}} new ones the same day, and now the invoice has an extra prorated charge of {{amount}}.",
        light: "Invoice {{invoice}} has a line 'Proration adjustment' we cannot explain.",
        heavy: &[h(
            "Subscription sub_{{id8}} timeline:\n{{ts0}} seats 40 -> {{n6}} (proration credit not applied: credit_note_pending)\n{{ts1}} seats {{n6}} -> 40 (proration charge {{amount}})\nInvoice {{invoice}}: 'Proration adjustment' {{amount}}",
            0,
            false,
        )],
        ask: "Could you tell us the exact times the seats were removed and added?",
        answer: "We removed the seats at about 09:00 and added the new ones after lunch, same day.",
        tried: "Tried: checked the subscription timeline (credit for removed seats missing), recalculated the proration by hand.",
        l1_answer: "This is a known issue: removing and re-adding seats on the same day charges the new seats but does not credit the removed ones. We have issued a credit note for {{amount}}; see {{kb_url}}.",
        analysis: "Same-day seat swap: credit note for the removal stays pending and is dropped when seats are added again.",
        notes: "Known issue (same-day seat swaps).\n1. Issued a credit note for {{amount}}.\n2. Explained the behaviour; fix planned, tracked in {{kb}}.",
        signal: "proration credit missing",
        ..EMPTY
    },
    Pattern {
        id: "bill-invoice-pdf-500",
        domain: "billing",
        weight: 0.8,
        l2: 0.6,
        l1_category: "workaround",
        l2_category: "bug_fix",
        products: &["pay"],
        components: &["invoicing", "billing"],
        tags: &["invoice", "billing"],
        subjects: &[
            "Invoice PDF download fails",
            "Cannot download our invoices anymore",
            "Invoice download shows an error page",
        ],
        description: "When we click 'Download PDF' on invoice {{invoice}} we only get an error page. Older invoices download fine.",
        light: "The download of invoice {{invoice}} returned HTTP 500.",
        light_codes: 1,
        heavy: &[h(
            "{{ts0}} ERROR [http-nio-8080-exec-{{n4}}] c.n.billing.api.InvoiceController - GET /billing/invoices/{{invoice}}.pdf failed\njava.lang.NullPointerException: Cannot invoke \"com.northwind.billing.Address.getCountry()\" because \"billingAddress\" is null\n\tat com.northwind.billing.pdf.InvoiceRenderer.renderHeader(InvoiceRenderer.java:{{line1}})\n\tat com.northwind.billing.pdf.InvoiceRenderer.render(InvoiceRenderer.java:{{line2}})\n\tat com.northwind.billing.api.InvoiceController.download(InvoiceController.java:88)\n{{ip}} - - [{{clf}}] \"GET /billing/invoices/{{invoice}}.pdf HTTP/1.1\" 500 0",
            1,
            true,
        )],
        ask: "Which invoices fail, and did you change the billing address recently?",
        answer: "Only the invoices since {{date}}. Yes, we changed our billing address last month.",
        tried: "Tried: downloaded the invoice from the billing console (same error), regenerated the invoice (same).",
        l1_answer: "Workaround: we have sent you the invoice PDF by email from our billing console while we fix the download.",
        analysis: "Billing address removed from the profile after the invoice was issued; renderer dereferences the current address instead of the snapshot on the invoice.",
        notes: "Bug fixed in billing {{fix_version}}: invoices render the address stored with the invoice.\n1. Deployed the fix.\n2. Customer downloaded invoice {{invoice}} successfully.",
        signal: "NullPointerException in InvoiceRenderer",
        ..EMPTY
    },
    // ---------------------------------------------------------------- frontend
    Pattern {
        id: "fe-chunk-load-error",
        domain: "frontend",
        weight: 1.0,
        l2: 0.35,
        l1_category: "known_issue",
        l2_category: "known_issue",
        kb: Some(("KB-6102", "Blank page after a release (ChunkLoadError)")),
        products: &["portal", "analytics"],
        components: &["web", "frontend", "ui"],
        tags: &["browser", "frontend"],
        subjects: &[
            "White screen after this morning's update",
            "Blank page until we force-reload",
            "Portal does not load for some users",
        ],
        description: "After this morning's update some of our users only see a white screen until they press Ctrl+F5. It happens in Chrome and Edge.",
        light: "The browser console shows a red message about loading a chunk.",
        heavy: &[h(
            "Uncaught ChunkLoadError: Loading chunk 734 failed.\n(error: https://app.northwind.example/static/js/734.{{id8}}.chunk.js)\n    at __webpack_require__.f.j (https://app.northwind.example/static/js/runtime.{{id8}}.js:1:2931)\n    at https://app.northwind.example/static/js/runtime.{{id8}}.js:1:1209\n    at Array.reduce (<anonymous>)\nGET https://app.northwind.example/static/js/734.{{id8}}.chunk.js net::ERR_ABORTED 404 (Not Found)",
            1,
            true,
        )],
        repro: "Steps to reproduce:\n1. Open the portal before a release and keep the tab open\n2. Wait for the release\n3. Click on Reports\nExpected: the reports page opens\nActual: white screen",
        ask: "Could you open the browser console (F12) on an affected machine and send us a screenshot of the red messages?",
        answer: "Screenshot of the console attached; the red line mentions a chunk that failed to load.",
        tried: "Tried: asked the user to clear cache (fixes it), opened the portal on our side (fine), checked the CDN status.",
        l1_answer: "This is a known issue after releases: tabs opened before the release try to load files that no longer exist. A reload (Ctrl+F5) fixes it; the fix that reloads automatically ships in {{fix_version}}. See {{kb_url}}.",
        analysis: "Old index.html cached in open tabs references chunk hashes removed by the release; no retry/reload on ChunkLoadError.",
        notes: "Known issue (stale chunks after a release).\n1. Hard reload fixes affected tabs.\n2. {{fix_version}} keeps the previous release's chunks on the CDN for 24 h and reloads on ChunkLoadError.",
        signal: "ChunkLoadError with 404 on a chunk",
        ..EMPTY
    },
    Pattern {
        id: "fe-widget-typeerror",
        domain: "frontend",
        weight: 1.0,
        l2: 0.65,
        l1_category: "workaround",
        l2_category: "bug_fix",
        products: &["analytics", "portal"],
        components: &["dashboard", "ui"],
        tags: &["ui", "javascript"],
        subjects: &[
            "Dashboard widgets do not render",
            "Dashboard page stays empty after adding a filter",
            "Widgets disappear when a saved filter is empty",
        ],
        description: "Our sales dashboard stays empty since yesterday. Other dashboards work. We did add a new saved filter to it.",
        light: "Only the sales dashboard is affected; it has the new saved filter 'Q4 pipeline'.",
        heavy: &[h(
            "Uncaught TypeError: Cannot read properties of undefined (reading 'map')\n    at WidgetGrid (https://app.northwind.example/static/js/main.{{id8}}.js:2:184233)\n    at renderWithHooks (https://app.northwind.example/static/js/vendor.{{id8}}.js:2:61920)\n    at updateFunctionComponent (https://app.northwind.example/static/js/vendor.{{id8}}.js:2:64511)\n    at beginWork (https://app.northwind.example/static/js/vendor.{{id8}}.js:2:76311)",
            0,
            true,
        )],
        repro: "Steps to reproduce:\n1. Open Dashboards > Sales\n2. Add a widget with the saved filter 'Q4 pipeline' (no conditions)\n3. Reload the page\nExpected: widgets render\nActual: empty page, error in the console",
        ask: "Could you send us a screenshot of the browser console (F12) while the dashboard is open?",
        answer: "Screenshot of the console attached. It only happens on the sales dashboard.",
        tried: "Tried: reproduced with an empty saved filter on our demo tenant, cleared cache, tested in Firefox (same).",
        l1_answer: "Workaround: add any condition to the saved filter (for example Status is not empty); the dashboard then renders. A fix is on the way.",
        analysis: "WidgetGrid maps over filter.conditions, which is undefined for a saved filter without conditions.",
        notes: "Bug fixed in {{fix_version}}: widgets handle saved filters without conditions.\n1. Deployed {{fix_version}}.\n2. Customer confirmed the sales dashboard renders.",
        signal: "Uncaught TypeError in WidgetGrid",
        ..EMPTY
    },
    Pattern {
        id: "fe-safari-dropdown-overlay",
        domain: "frontend",
        weight: 0.8,
        l2: 0.5,
        l1_category: "workaround",
        l2_category: "workaround",
        products: &["portal"],
        components: &["ui", "web", "mobile-web"],
        tags: &["css", "layout", "browser"],
        subjects: &[
            "Dropdown menu hidden behind the overlay in Safari",
            "Cannot pick a value in the filter dropdown on Mac",
            "Layout broken in Safari 17",
        ],
        description: "On our Macs (Safari 17) the filter dropdown opens behind the dark overlay, so nobody can pick a value. Chrome works.",
        light: "Only Safari; Chrome and Firefox are fine.",
        heavy: &[h(
            "[Warning] ResizeObserver loop completed with undelivered notifications.\nComputed style of .filter-menu: position: fixed; z-index: 1000; transform: translateZ(0)\nComputed style of .modal-overlay: z-index: 1100; backdrop-filter: blur(2px)\nUser agent: Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
            0,
            false,
        )],
        repro: "Steps to reproduce:\n1. Open Reports in Safari 17\n2. Click Filter > Status\nExpected: the dropdown shows above the overlay\nActual: the dropdown is hidden behind the overlay",
        ask: "Which Safari and macOS versions do you use? A screenshot would help.",
        answer: "Safari 17.1 on macOS 14. Screenshot attached.",
        tried: "Tried: reproduced in Safari 17.1 on our test Mac, checked Chrome (fine), cleared website data in Safari (same).",
        l1_answer: "Workaround: switch off 'Compact layout' under Profile > Display; the dropdown then opens above the overlay in Safari.",
        analysis: "Safari creates a new stacking context for backdrop-filter; z-index of the fixed menu does not escape it.",
        notes: "Workaround (fix scheduled for the next UI release).\n1. Disable 'Compact layout' under Profile > Display.\n2. Or use Chrome/Firefox until the release that moves the menu into a portal.",
        signal: "stacking context with backdrop-filter in Safari",
        ..EMPTY
    },
    Pattern {
        id: "fe-browser-extension",
        domain: "frontend",
        weight: 0.8,
        l2: 0.15,
        l1_category: "user_error",
        l2_category: "user_error",
        kb: Some(("KB-6110", "Browser extensions that break the editor")),
        products: &["portal"],
        components: &["ui", "frontend"],
        tags: &["browser", "javascript"],
        subjects: &[
            "Buttons in the editor do nothing",
            "Save button not clickable, only on my laptop",
            "Editor toolbar unresponsive",
        ],
        description: "The buttons in the editor toolbar do nothing when I click them. My colleague on another laptop has no problem.",
        light: "It works in a private window.",
        heavy: &[h(
            "Uncaught TypeError: Cannot read properties of null (reading 'addEventListener')\n    at injectToolbar (chrome-extension://{{id8}}/content.js:1:4820)\n    at chrome-extension://{{id8}}/content.js:1:5012",
            0,
            true,
        )],
        ask: "Does the editor work in a private/incognito window? Which browser extensions are installed?",
        answer: "In a private window it works! I have an ad blocker and a grammar checker installed.",
        tried: "Tried: asked the user to clear cache, reproduced nothing on our side.",
        l1_answer: "A browser extension interferes with the editor (it works in a private window, where extensions are off). Please disable extensions one by one, starting with ad blockers and grammar checkers; see {{kb_url}}.",
        analysis: "Error originates in a chrome-extension content script, not in our bundle.",
        notes: "User error (browser extension).\n1. Identified a grammar-checker extension injecting into the editor.\n2. User allow-listed the portal in the extension; toolbar works.",
        signal: "TypeError thrown from a chrome-extension content script",
        ..EMPTY
    },
    Pattern {
        id: "fe-date-format",
        domain: "frontend",
        weight: 0.9,
        l2: 0.03,
        l1_category: "how_to",
        l2_category: "how_to",
        kb: Some(("KB-6120", "Change date and number formats")),
        products: &["portal", "analytics"],
        components: &["ui", "dashboard"],
        tags: &["ui"],
        subjects: &[
            "How can we change the date format?",
            "Dates shown in US format",
            "Change number format to use a comma",
        ],
        description: "Dates show as MM/DD/YYYY but our team needs DD.MM.YYYY. How can we change that?",
        light: "",
        heavy: &[h(
            "Profile > Language is English (United States); browser language de-DE",
            0,
            false,
        )],
        ask: "Should the format change for everybody in your organisation or only for some users?",
        answer: "For everybody in our organisation, please.",
        tried: "Tried: checked the organisation locale (en-US).",
        l1_answer: "Formats follow the locale: change it for everybody under Admin > Organisation > Locale (for example German (Germany)) or per user under Profile > Language and region. See {{kb_url}}.",
        analysis: "Organisation locale en-US.",
        notes: "How-to.\n1. Set the organisation locale to de-DE.\n2. Users see DD.MM.YYYY after reload.",
        signal: "locale question",
        ..EMPTY
    },
    // ----------------------------------------------------------- data-pipeline
    Pattern {
        id: "dp-export-session-expired",
        domain: "data-pipeline",
        weight: 1.2,
        l2: 0.45,
        l1_category: "known_issue",
        l2_category: "known_issue",
        kb: Some(("KB-2041", "Long exports fail for SSO users")),
        products: &["analytics"],
        components: &["exports", "reports"],
        tags: &["export", "report"],
        subjects: &[
            "Nightly export fails since {{version}}",
            "Large CSV export never finishes",
            "Export job fails after about an hour",
        ],
        description: "Exports of small date ranges work, but the full export of last quarter fails every time after roughly an hour. We log in with SSO.",
        light: "The export page shows 'Export failed' after about 60 minutes.",
        heavy: &[h(
            "{{ts0}} ERROR [export-worker-2] c.n.export.ExportJob - ExportJob {{job}} failed\njava.lang.IllegalStateException: session expired\n\tat com.northwind.export.Job.run(Job.java:88)\n\tat com.northwind.export.Scheduler.lambda$tick$2(Scheduler.java:{{line1}})\n\tat java.base/java.util.concurrent.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:1144)\n\tat java.base/java.lang.Thread.run(Thread.java:1583)\n{{ip}} - - [{{clf}}] \"GET /api/v2/exports/{{job}}/download HTTP/1.1\" 502 0",
            1,
            true,
        )],
        ask: "Could you tell us how many rows the failing export has and whether the user logs in with SSO or a local account?",
        answer: "The export has about {{rows}} rows and the user logs in with SSO.",
        tried: "Tried: cleared cache, re-ran the export with a local account (works), split the export into two months (works).",
        l1_answer: "This is a known issue: exports that run longer than the SSO session fail. It is fixed in {{fix_version}}; until then, export in parts under 50,000 rows. See {{kb_url}}.",
        analysis: "Session store TTL (60 min for SSO sessions) shorter than the export duration; the worker uses the user's session.",
        notes: "Session store TTL shorter than export duration; fixed in {{fix_version}}.\n1. Workaround: exports under 50k rows.\n2. Upgrade to {{fix_version}}, where exports run under a service token.",
        signal: "IllegalStateException: session expired in the export worker",
        ..EMPTY
    },
    Pattern {
        id: "dp-consumer-lag",
        domain: "data-pipeline",
        weight: 1.0,
        l2: 0.6,
        l1_category: "workaround",
        l2_category: "bug_fix",
        products: &["analytics"],
        components: &["ingest", "pipeline", "sync"],
        tags: &["kafka", "pipeline", "sync"],
        subjects: &[
            "Dashboards show stale data since this morning",
            "Data is not updating, last event hours ago",
            "Ingestion delay keeps growing",
        ],
        description: "Our dashboards show data from {{n5}} hours ago and the gap keeps growing. Events are still being sent from our side.",
        light: "The 'last event received' time on the ingestion page does not move.",
        heavy: &[h(
            "{{ts0}} WARN  [Consumer clientId=ingest-3, groupId=ingest] Received error NOT_LEADER_OR_FOLLOWER from node 2 while fetching partition events-{{n7}}\n{{ts1}} ERROR [ingest-3] c.n.ingest.PartitionWorker - fetch loop stopped\norg.apache.kafka.common.errors.NotLeaderOrFollowerException: For requests intended only for the leader, this error indicates that the broker is not the current leader.\n\tat org.apache.kafka.clients.consumer.internals.AbstractFetch.handleInitializeErrors(AbstractFetch.java:351)\n\tat org.apache.kafka.clients.consumer.internals.AbstractFetch.collectFetch(AbstractFetch.java:181)\n\tat com.northwind.ingest.PartitionWorker.poll(PartitionWorker.java:{{line1}})\nconsumer lag (ingest / events): {{n3}} messages",
            0,
            true,
        )],
        ask: "Since when exactly is the data behind, and which data sources are affected?",
        answer: "Since about {{time}} UTC. All our web and app sources are affected.",
        tried: "Tried: checked the ingestion status page (lag growing for the customer's partition), restarted the customer's sync from the UI (no change).",
        l1_answer: "Workaround: we restarted the ingestion worker for your tenant; data is catching up and should be current within the hour.",
        analysis: "Partition worker stops its fetch loop on NOT_LEADER_OR_FOLLOWER after a broker roll instead of refreshing metadata.",
        notes: "Bug fixed in ingest {{fix_version}}: the partition worker refreshes metadata and resumes on NOT_LEADER_OR_FOLLOWER.\n1. Restarted the stuck workers; lag back to zero in {{n4}} minutes.\n2. Deployed {{fix_version}}.\n3. No data lost; events were retained in Kafka.",
        signal: "NOT_LEADER_OR_FOLLOWER and a stopped consumer",
        severe: true,
        ..EMPTY
    },
    Pattern {
        id: "dp-airflow-warehouse-creds",
        domain: "data-pipeline",
        weight: 0.9,
        l2: 0.4,
        l1_category: "configuration",
        l2_category: "configuration",
        kb: Some(("KB-2050", "Warehouse sync fails after credential rotation")),
        products: &["analytics"],
        components: &["etl", "warehouse"],
        tags: &["etl", "pipeline"],
        subjects: &[
            "Warehouse sync to Snowflake fails every night",
            "ETL job fails since the weekend",
            "No new data in our warehouse",
        ],
        description: "Our nightly sync from Northwind to Snowflake has failed since the weekend. We use the managed ETL with the scheduled DAG.",
        light: "The ETL run history shows 'failed' for the last {{n8}} nights.",
        heavy: &[h(
            "[{{ts0}}] {taskinstance.py:2698} ERROR - Task failed with exception\nTraceback (most recent call last):\n  File \"/home/airflow/.local/lib/python3.11/site-packages/airflow/models/taskinstance.py\", line 433, in _execute_task\n    result = execute_callable(context=context, **execute_callable_kwargs)\n  File \"/opt/airflow/dags/northwind_sync.py\", line {{line1}}, in load_to_warehouse\n    hook.run(sql)\n  File \"/home/airflow/.local/lib/python3.11/site-packages/snowflake/connector/connection.py\", line 1320, in _authenticate\n    raise DatabaseError(msg)\nsnowflake.connector.errors.DatabaseError: 250001 (08001): Failed to connect to DB: {{mail}}.eu-central-1.snowflakecomputing.com:443. Incorrect username or password was specified.",
            0,
            true,
        )],
        ask: "Did anything change on the Snowflake side last week, for example a password rotation for the ETL user?",
        answer: "Yes, our IT team rotates all service passwords every 90 days; the last rotation was on {{date}}.",
        tried: "Tried: re-ran the DAG manually (fails), checked our ETL service status (fine).",
        l1_answer: "The warehouse password of the ETL user was rotated on your side. Please update it under Analytics > Warehouse > Connection (or switch to key-pair authentication); the next run picks it up. See {{kb_url}}.",
        analysis: "Snowflake rejects the ETL user's credentials (250001/08001) after the customer's 90-day rotation.",
        notes: "Configuration (credentials).\n1. Customer switched the ETL user to key-pair authentication.\n2. Re-ran the missed nights; warehouse up to date.",
        signal: "Snowflake 250001 (08001) login failure in the ETL DAG",
        ..EMPTY
    },
    Pattern {
        id: "dp-csv-encoding",
        domain: "data-pipeline",
        weight: 1.0,
        l2: 0.05,
        l1_category: "how_to",
        l2_category: "how_to",
        kb: Some(("KB-2033", "Import CSV files with UTF-8 encoding")),
        products: &["analytics", "connect"],
        components: &["ingest", "etl"],
        tags: &["import"],
        subjects: &[
            "Umlauts broken after CSV import",
            "Special characters garbled in imported data",
            "CSV import shows strange characters",
        ],
        description: "Names like Müller and Jürgen become MÃ¼ller after importing our CSV file from Excel.",
        light: "",
        heavy: &[h(
            "Import {{job}}: file kunden.csv, detected encoding windows-1252, {{rows}} rows, {{n5}} rows with replacement characters",
            0,
            false,
        )],
        ask: "Which program created the CSV file, and which encoding did you pick when saving it?",
        answer: "We export it from Excel with 'Save as CSV'.",
        tried: "Tried: imported the customer's file on our test tenant with UTF-8 (correct).",
        l1_answer: "Excel saves CSV in Windows-1252 by default. Either choose 'CSV UTF-8' when saving, or pick the encoding Windows-1252 in the import dialog; see {{kb_url}}.",
        analysis: "Encoding mismatch, no defect.",
        notes: "How-to.\n1. Customer re-exported as CSV UTF-8.\n2. Re-imported; names correct.",
        signal: "CSV encoding question",
        ..EMPTY
    },
    Pattern {
        id: "dp-report-schedule-timezone",
        domain: "data-pipeline",
        weight: 0.8,
        l2: 0.12,
        l1_category: "user_error",
        l2_category: "user_error",
        kb: Some(("KB-2060", "Scheduled reports use the owner's time zone")),
        products: &["analytics"],
        components: &["reports"],
        tags: &["report"],
        subjects: &[
            "Scheduled report arrives at the wrong time",
            "Daily report misses yesterday's data",
            "Report schedule off by several hours",
        ],
        description: "Our daily report should arrive at 07:00 with all of yesterday's data, but it arrives at a different hour and misses the evening.",
        light: "",
        heavy: &[h(
            "Schedule of report {{job}}: daily 07:00, owner time zone America/Los_Angeles, data window 'yesterday' (owner's calendar day)",
            0,
            false,
        )],
        ask: "Who created the schedule, and which time zone is set in that person's profile?",
        answer: "The schedule was created by our colleague in the US office.",
        tried: "Tried: checked the schedule (owner time zone differs from the team's).",
        l1_answer: "Schedules run in the time zone of the report owner, whose profile says America/Los_Angeles. Change it under Profile > Time zone, or transfer the report to an owner in your time zone. See {{kb_url}}.",
        analysis: "Owner profile time zone wrong; schedule behaves as designed.",
        notes: "User error (owner time zone).\n1. Owner changed the profile time zone.\n2. Next run arrived at 07:00 with the full day.",
        signal: "schedule time zone",
        ..EMPTY
    },
];

/// Pairs of domains that customers and L1 macros mix up.
pub fn confusable(domain: &str) -> &'static [&'static str] {
    match domain {
        "database" => &["data-pipeline", "platform"],
        "networking" => &["platform", "identity"],
        "identity" => &["frontend", "networking"],
        "platform" => &["networking", "database"],
        "billing" => &["frontend", "identity"],
        "frontend" => &["identity", "networking"],
        _ => &["database", "platform"],
    }
}

/// Vague subjects and descriptions: tickets whose text points nowhere.
pub const VAGUE_SUBJECTS: &[&str] = &[
    "Errors since this morning",
    "Something is wrong with our account",
    "Not working for some users",
    "Problem after the weekend",
    "Strange behaviour, please check",
];

pub const VAGUE_DESCRIPTIONS: &[&str] = &[
    "Since this morning some of our users report errors. We are not sure what changed. Can you please check?",
    "Something stopped working for part of our team. It worked last week. Please have a look.",
    "We see failures here and there, not always. Could you check if something is wrong on your side?",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::CUSTOMERS;
    use crate::rng::Rng;
    use crate::text::ticket_vars;

    /// The annotations of every diagnostics block match what the
    /// evaluator's extractor finds; descriptions and light excerpts hold no
    /// stack trace and at most one error code.
    #[test]
    fn evidence_annotations_match_the_extractor() {
        let mut wrong = Vec::new();
        for (i, p) in PATTERNS.iter().enumerate() {
            for seed in 0..3u64 {
                let mut rng = Rng::new(seed * 100 + i as u64);
                let c = &CUSTOMERS[(seed as usize * 7 + i) % CUSTOMERS.len()];
                let v = ticket_vars(
                    &mut rng,
                    c,
                    0,
                    p,
                    p.products[0],
                    1_764_547_200_000,
                    "Dana Ortiz",
                );
                for (k, h) in p.heavy.iter().enumerate() {
                    let text = v.fill(h.text);
                    assert!(
                        !text.contains("{{"),
                        "{} heavy {k}: unfilled placeholder",
                        p.id
                    );
                    let n = escalator_diagnostics::evidence_counts(&text);
                    if (n.stack_traces > 0) != h.trace || n.error_codes != h.codes {
                        wrong.push(format!(
                            "{} heavy {k}: traces {} codes {} (annotated {} {})",
                            p.id, n.stack_traces, n.error_codes, h.trace, h.codes
                        ));
                    }
                }
                for (what, t) in [
                    ("description", p.description),
                    ("light", p.light),
                    ("answer", p.answer),
                ] {
                    let text = v.fill(t);
                    assert!(
                        !text.contains("{{"),
                        "{} {what}: unfilled placeholder",
                        p.id
                    );
                    let lower = text.to_lowercase();
                    for k in [
                        "data loss",
                        "outage",
                        "security",
                        "breach",
                        "corrupt",
                        "urgent",
                        "asap",
                        "critical",
                        "immediately",
                    ] {
                        assert!(
                            !lower.contains(k),
                            "{} {what}: complexity keyword {k:?}",
                            p.id
                        );
                    }
                    let n = escalator_diagnostics::evidence_counts(&text);
                    if what == "light" && n.error_codes != p.light_codes {
                        wrong.push(format!(
                            "{} light: codes {} (annotated {})",
                            p.id, n.error_codes, p.light_codes
                        ));
                    }
                    if n.stack_traces > 0 || n.error_codes > 1 {
                        wrong.push(format!(
                            "{} {what}: traces {} codes {}",
                            p.id, n.stack_traces, n.error_codes
                        ));
                    }
                }
                for t in p.subjects.iter().chain([
                    &p.ask,
                    &p.tried,
                    &p.l1_answer,
                    &p.analysis,
                    &p.notes,
                    &p.repro,
                ]) {
                    assert!(
                        !v.fill(t).contains("{{"),
                        "{}: unfilled placeholder in {t:?}",
                        p.id
                    );
                }
            }
        }
        wrong.dedup();
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }

    #[test]
    fn patterns_are_consistent_with_the_catalog() {
        let categories = [
            "how_to",
            "known_issue",
            "configuration",
            "user_error",
            "bug_fix",
            "workaround",
            "no_fault_found",
            "duplicate",
            "other",
        ];
        let mut ids = std::collections::BTreeSet::new();
        for p in PATTERNS {
            assert!(ids.insert(p.id), "duplicate pattern id {}", p.id);
            let d =
                crate::catalog::domain(p.domain).unwrap_or_else(|| panic!("{}: no domain", p.id));
            for c in p.components {
                assert!(
                    d.components.contains(c),
                    "{}: component {c} not in {}",
                    p.id,
                    d.name
                );
            }
            for t in p.tags {
                assert!(d.tags.contains(t), "{}: tag {t} not in {}", p.id, d.name);
            }
            assert!(categories.contains(&p.l1_category) && categories.contains(&p.l2_category));
            assert!(!p.heavy.is_empty() && !p.subjects.is_empty() && !p.components.is_empty());
            for prod in p.products {
                assert!(
                    crate::catalog::PRODUCTS.iter().any(|(n, _)| n == prod),
                    "{}: product {prod}",
                    p.id
                );
            }
        }
        for d in crate::catalog::DOMAINS
            .iter()
            .filter(|d| d.name != "triage")
        {
            assert!(
                PATTERNS.iter().filter(|p| p.domain == d.name).count() >= 4,
                "{}",
                d.name
            );
        }
    }
}
