package io.distillab.judge.cache;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import org.hibernate.annotations.ColumnTransformer;

/** One stored judgment, read back; the table is created by Flyway (V1, V3), rows written by JudgmentCache. */
@Entity
@Table(name = "judgment")
public class JudgmentEntity extends PanacheEntityBase {

    /** Given by the column's default (a sequence); rows are written by JudgmentCache in plain SQL. */
    @Id
    public Long id;

    @Column(name = "cache_key", nullable = false, unique = true, length = 64)
    public String cacheKey;

    @Column(nullable = false)
    public String kind;

    @Column(name = "judge_name", nullable = false)
    public String judgeName;

    @Column(nullable = false)
    public String provider;

    @Column(nullable = false)
    public String model;

    /** JSON text in Java, jsonb in PostgreSQL (queryable there). */
    @Column(nullable = false, columnDefinition = "jsonb")
    @ColumnTransformer(write = "?::jsonb")
    public String parameters;

    @Column(name = "prompt_version", nullable = false)
    public String promptVersion;

    @Column(name = "configuration_key", nullable = false)
    public String configurationKey;

    @Column(name = "input_hash", nullable = false)
    public String inputHash;

    @Column(nullable = false)
    public String status;

    @Column(columnDefinition = "jsonb")
    @ColumnTransformer(write = "?::jsonb")
    public String answer;

    public String error;

    /** malformed_answer or no_decision when failed (ErrorKind). */
    @Column(name = "error_kind")
    public String errorKind;

    @Column(name = "latency_ms", nullable = false)
    public long latencyMs;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    public static List<JudgmentEntity> findByCacheKeys(Collection<String> cacheKeys) {
        return list("cacheKey in ?1", cacheKeys);
    }
}
