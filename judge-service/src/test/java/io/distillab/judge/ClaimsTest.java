package io.distillab.judge;

import static io.distillab.judge.support.Requests.post;
import static io.distillab.judge.support.Requests.rps;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillab.judge.judgment.Hashing;
import io.distillab.judge.judgment.JudgmentKind;
import io.distillab.judge.provider.LlmJudge;
import io.distillab.judge.provider.ProviderGuard;
import io.distillab.judge.rps.RpsRequest;
import io.distillab.judge.support.InjectOpenAiStub;
import io.distillab.judge.support.JudgeTestProfile;
import io.distillab.judge.support.OpenAiStub;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.ValidatableResponse;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The claim protocol in PostgreSQL, with "another replica" played by SQL written here the way
 * JudgmentCache writes it: a live claim is waited for, an expired one taken over, a failed write
 * (injected by a trigger) retried, and a write that keeps failing kept, its claim with it, and
 * stored once the database takes it.
 * The test profile's lease is 2 s, write attempts 3.
 */
@QuarkusTest
@TestProfile(JudgeTestProfile.class)
class ClaimsTest {
    @InjectOpenAiStub
    OpenAiStub openAi;

    @Inject
    CircuitBreakerMaintenance breakers;

    @Inject
    DataSource db;

    @Inject
    LlmJudge llm;

    @Inject
    ObjectMapper mapper;

    @BeforeEach
    void closeTheBreaker() {
        breakers.reset(ProviderGuard.CIRCUIT);
    }

    private static Map<String, Object> input(String marker) {
        return rps("verification", List.of("Shall I book " + marker + "?"), List.of("Confirm " + marker + " (yes/no)."),
                "llm");
    }

    /** The cache key the service computes for this input under the LLM judge. */
    private String cacheKey(Map<String, Object> input) {
        String inputHash = Hashing.inputHash(mapper.convertValue(input, RpsRequest.class));
        return Hashing.cacheKey(llm.configurationKey(), llm.info(JudgmentKind.RPS).promptVersion(), JudgmentKind.RPS,
                inputHash);
    }

    private int update(String sql, Object... args) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            return ps.executeUpdate();
        }
    }

    private String one(String sql, Object... args) throws SQLException {
        try (Connection c = db.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    @Test
    void aLiveClaimElsewhereIsWaitedForAndItsJudgmentReturnedWithoutAskingTheProvider() throws Exception {
        openAi.answer("mk-cl-", LlmJudgeTest.RPS_ANSWER);
        Map<String, Object> input = input("mk-cl-live");
        String key = cacheKey(input);
        update("insert into judgment_claim values (?, 'other-replica', now(), now() + interval '1 hour')", key);

        CompletableFuture<ValidatableResponse> waiting = CompletableFuture.supplyAsync(() -> post("/api/v1/rps", input));
        Thread.sleep(500);
        assertFalse(waiting.isDone(), "answered while another replica held the claim");
        // The other replica finishes: its judgment and the claim's release in one transaction.
        try (Connection c = db.getConnection(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.executeUpdate("insert into judgment (cache_key, kind, judge_name, provider, model, parameters, "
                    + "prompt_version, configuration_key, input_hash, status, answer, latency_ms, created_at) "
                    + "values ('" + key + "', 'rps', 'llm', 'openai-compatible', '" + OpenAiStub.MODEL + "', "
                    + "'{\"temperature\": 0.0, \"top_p\": 1.0}', 'rps-v1', '" + llm.configurationKey() + "', 'h', 'ok', "
                    + "'{\"style\": 2, \"structure\": 2, \"alignment\": 2, \"overall\": 2.0, "
                    + "\"reason\": \"by the other replica\"}', 7, now())");
            s.executeUpdate("delete from judgment_claim where cache_key = '" + key + "'");
            c.commit();
        }
        waiting.get(10, TimeUnit.SECONDS).statusCode(200).body("status", equalTo("ok"))
                .body("cached", equalTo(true)).body("answer.reason", equalTo("by the other replica"));
        assertEquals(0, openAi.count("mk-cl-live"));
    }

    @Test
    void anExpiredClaimIsTakenOverAskedOnceAndReleasedWithTheWrite() throws Exception {
        openAi.answer("mk-cl-", LlmJudgeTest.RPS_ANSWER);
        Map<String, Object> input = input("mk-cl-dead");
        String key = cacheKey(input);
        update("insert into judgment_claim values (?, 'dead-replica', now() - interval '1 minute', "
                + "now() - interval '1 second')", key);
        post("/api/v1/rps", input).statusCode(200).body("status", equalTo("ok")).body("cached", equalTo(false));
        assertEquals(1, openAi.count("mk-cl-dead"));
        assertNull(one("select holder from judgment_claim where cache_key = ?", key), "the claim went with the write");
        assertEquals("ok", one("select status from judgment where cache_key = ?", key));
    }

    /**
     * PostgreSQL refuses the first {@code n} inserts of this key's judgment (a trigger; the count is a
     * sequence, which a failed transaction does not roll back).
     */
    private void refuseWrites(String key, int n) throws SQLException {
        update("create table if not exists write_fault_keys (cache_key varchar(64) primary key)");
        update("create table if not exists write_fault_limit (n int not null)");
        update("create sequence if not exists refused_writes");
        update("""
                create or replace function refuse_marked_writes() returns trigger language plpgsql as $$
                begin
                  if exists (select 1 from write_fault_keys where cache_key = new.cache_key)
                     and nextval('refused_writes') <= (select n from write_fault_limit) then
                    raise exception 'injected write failure';
                  end if;
                  return new;
                end $$""");
        update("create or replace trigger refuse_marked_writes before insert on judgment "
                + "for each row execute function refuse_marked_writes()");
        update("delete from write_fault_limit");
        update("insert into write_fault_limit values (?)", n);
        update("alter sequence refused_writes restart");
        update("insert into write_fault_keys values (?) on conflict do nothing", key);
    }

    @Test
    void aFailedWriteIsRetried() throws Exception {
        openAi.answer("mk-cl-", LlmJudgeTest.RPS_ANSWER);
        Map<String, Object> input = input("mk-cl-retried");
        String key = cacheKey(input);
        refuseWrites(key, 2);
        post("/api/v1/rps", input).statusCode(200).body("status", equalTo("ok"));
        assertEquals("ok", one("select status from judgment where cache_key = ?", key), "stored at the third attempt");
        assertNull(one("select holder from judgment_claim where cache_key = ?", key));
        assertEquals(1, openAi.count("mk-cl-retried"));
    }

    @Test
    void aWriteThatKeepsFailingIsAnsweredKeptWithItsClaimAndStoredOnceTheDatabaseTakesIt() throws Exception {
        openAi.answer("mk-cl-", LlmJudgeTest.RPS_ANSWER);
        Map<String, Object> input = input("mk-cl-kept");
        String key = cacheKey(input);
        refuseWrites(key, 5); // the 3 attempts of the request, then the first background retry's and the second's
        post("/api/v1/rps", input).statusCode(200).body("status", equalTo("ok")).body("answer.style", equalTo(4))
                .body("cached", equalTo(false));
        assertNull(one("select status from judgment where cache_key = ?", key));
        assertNotNull(one("select holder from judgment_claim where cache_key = ?", key), "the claim is kept");
        // asked again meanwhile, this replica answers what it holds: the provider is not asked again
        post("/api/v1/rps", input).statusCode(200).body("cached", equalTo(true)).body("answer.style", equalTo(4));

        // written again every second: stored at the third round, its claim released with it
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!"ok".equals(one("select status from judgment where cache_key = ?", key))) {
            assertTrue(System.nanoTime() < deadline, "the unwritten judgment was never stored");
            Thread.sleep(100);
        }
        assertNull(one("select holder from judgment_claim where cache_key = ?", key), "the claim went with the write");
        post("/api/v1/rps", input).statusCode(200).body("cached", equalTo(true));
        assertEquals(1, openAi.count("mk-cl-kept"), "judged once");
    }
}
