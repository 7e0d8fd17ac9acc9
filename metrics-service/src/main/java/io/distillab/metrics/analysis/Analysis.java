package io.distillab.metrics.analysis;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;

/**
 * An analysis and its place in the queue. Created here (status queued); from then on only the queue
 * ({@link io.distillab.metrics.queue.AnalysisQueue}) changes it, so the entity is read-only after insert.
 */
@Entity
@Table(name = "analysis")
public class Analysis extends PanacheEntityBase {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(name = "dataset_id", nullable = false)
    public long datasetId;

    @Column(nullable = false)
    public String parameters;

    @Column(nullable = false)
    public String status;

    public String phase;

    @Column(name = "progress_done")
    public int progressDone;

    @Column(name = "progress_total")
    public int progressTotal;

    public String error;

    @Column(name = "error_code")
    public String errorCode;

    public int attempts;

    @Column(name = "lease_owner")
    public String leaseOwner;

    @Column(name = "created_at", insertable = false, updatable = false)
    public OffsetDateTime createdAt;

    @Column(name = "started_at")
    public OffsetDateTime startedAt;

    @Column(name = "finished_at")
    public OffsetDateTime finishedAt;
}
