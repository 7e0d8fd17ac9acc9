package io.distillab.trainer.job;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.OffsetDateTime;

/**
 * A training job and its place in the queue. Created here (status queued); from then on only the
 * queue ({@link io.distillab.trainer.queue.JobQueue}) changes it, so the entity is read-only after insert.
 */
@Entity
@Table(name = "job")
public class TrainingJob extends PanacheEntityBase {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    public String name;

    @Column(nullable = false)
    public String parameters;

    @Column(name = "data_file", nullable = false)
    public String dataFile;

    @Column(name = "data_format")
    public String dataFormat;

    @Column(nullable = false)
    public String device;

    @Column(nullable = false)
    public String status;

    @Column(name = "total_steps", nullable = false)
    public long totalSteps;

    public long step;

    @Column(name = "checkpoint_step")
    public Long checkpointStep;

    @Column(name = "final_loss")
    public Double finalLoss;

    public String error;

    public int attempts;

    @Column(name = "cancel_requested")
    public boolean cancelRequested;

    @Column(name = "lease_owner")
    public String leaseOwner;

    public String placement;

    @Column(name = "created_at", insertable = false, updatable = false)
    public OffsetDateTime createdAt;

    @Column(name = "started_at")
    public OffsetDateTime startedAt;

    @Column(name = "finished_at")
    public OffsetDateTime finishedAt;

    public boolean finished() {
        return status.equals("succeeded") || status.equals("failed") || status.equals("cancelled");
    }
}
