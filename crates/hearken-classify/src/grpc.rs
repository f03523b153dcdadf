//! The thin gRPC adapter: `hearken.v1.ClassifyService` over [`Classifier`] and [`train`].
//!
//! The current model sits behind a `RwLock<Arc<Model>>`: a request clones the `Arc` (the lock
//! is held for a pointer copy) and keeps using that model even if `Train` swaps in a new one
//! meanwhile, so every response is from exactly one model version.

use std::pin::Pin;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use hearken_proto::v1 as pb;
use pb::classify_service_server::{ClassifyService, ClassifyServiceServer};
use tokio_stream::{Stream, StreamExt};
use tonic::{Request, Response, Status, Streaming};

use crate::classifier::{Classification, Classifier, Document, Label};
use crate::eval::Evaluation;
use crate::model::Model;
use crate::taxonomy::{self, IntentDef, Taxonomy};
use crate::train::{self, Example, TrainError, TrainOptions};

/// Features named per label in `Explain`.
const EXPLAIN_TOP_FEATURES: usize = 10;

/// Most routing reasons a `Classify` call may ask for per document: an inbox shows a few,
/// and each costs a named pass over the text.
pub const MAX_REASON_COUNT: usize = 20;

/// Request limits, so that one client cannot exhaust a replica.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Documents per `Classify` call.
    pub max_batch: usize,
    /// Bytes per text.
    pub max_text_bytes: usize,
    /// Examples per `Train` call.
    pub max_train_examples: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_batch: 1_000,
            max_text_bytes: 20_000,
            max_train_examples: 200_000,
        }
    }
}

/// Shared state of the service: the current model and the limits.
#[derive(Debug)]
pub struct ClassifyState {
    model: RwLock<Arc<Model>>,
    limits: Limits,
}

impl ClassifyState {
    /// State serving `model` under `limits`.
    pub fn new(model: Arc<Model>, limits: Limits) -> Self {
        Self {
            model: RwLock::new(model),
            limits,
        }
    }

    /// The current model.
    pub fn model(&self) -> Arc<Model> {
        // A writer only swaps a pointer, so a poisoned lock still holds a whole model.
        self.model
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Makes `model` current for all later requests.
    pub fn swap(&self, model: Arc<Model>) {
        *self.model.write().unwrap_or_else(PoisonError::into_inner) = model;
    }
}

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ClassifyError {
    /// The client sent something the service cannot accept.
    #[error("invalid {field}: {reason}")]
    InvalidArgument {
        /// Path of the offending field, e.g. `documents[3].text`.
        field: String,
        /// Why it is rejected.
        reason: String,
    },
    /// A blocking task died; the details are logged, not sent.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ClassifyError {
    fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self::InvalidArgument {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

impl From<TrainError> for ClassifyError {
    fn from(e: TrainError) -> Self {
        match e {
            TrainError::InvalidExample {
                index,
                field,
                reason,
            } => Self::invalid(format!("examples[{index}].{field}"), reason),
            TrainError::InvalidOption { field, reason } => Self::invalid(field, reason),
            TrainError::NoExamples => Self::invalid("examples", "must not be empty"),
        }
    }
}

impl From<ClassifyError> for Status {
    fn from(error: ClassifyError) -> Self {
        match error {
            ClassifyError::InvalidArgument { field, reason } => {
                tracing::info!(%field, %reason, "invalid argument");
                hearken_proto::status::invalid_argument(&field, &reason)
            }
            ClassifyError::Internal(reason) => {
                tracing::error!(%reason, "classify service failed");
                Status::internal("internal error")
            }
        }
    }
}

/// The tonic service; build it with [`grpc_service`].
#[derive(Debug, Clone)]
pub struct ClassifyGrpc {
    state: Arc<ClassifyState>,
}

/// `hearken.v1.ClassifyService` over `state`.
pub fn grpc_service(state: Arc<ClassifyState>) -> ClassifyServiceServer<ClassifyGrpc> {
    ClassifyServiceServer::new(ClassifyGrpc { state })
}

fn document(doc: pb::Document, field: &str, limits: &Limits) -> Result<Document, ClassifyError> {
    check_text(&doc.text, &format!("{field}.text"), limits)?;
    let followers = u64::try_from(doc.author_followers_count).map_err(|_| {
        ClassifyError::invalid(
            format!("{field}.author_followers_count"),
            "must not be negative",
        )
    })?;
    Ok(Document {
        id: (!doc.id.is_empty()).then_some(doc.id),
        text: doc.text,
        language: (!doc.language.is_empty()).then_some(doc.language),
        author_followers_count: followers,
    })
}

fn check_text(text: &str, field: &str, limits: &Limits) -> Result<(), ClassifyError> {
    if text.len() > limits.max_text_bytes {
        return Err(ClassifyError::invalid(
            field,
            format!(
                "is {} bytes; the limit is {}",
                text.len(),
                limits.max_text_bytes
            ),
        ));
    }
    Ok(())
}

/// Counts documents this replica classified: the classifier's throughput, per RPC.
fn classified(rpc: &str, documents: usize) {
    hearken_telemetry::metrics::count(
        "hearken_documents_classified_total",
        "Documents this classify replica classified.",
        &[("rpc", rpc)],
        documents as u64,
    );
}

/// The current model, or an error when the caller asked for another version. Checking and
/// using the same `Arc` means a concurrent `Train` cannot slip a different version in between.
fn expected_model(state: &ClassifyState, version: &str) -> Result<Arc<Model>, ClassifyError> {
    let model = state.model();
    if !version.is_empty() && version != model.version() {
        return Err(ClassifyError::invalid(
            "model_version",
            format!(
                "unknown model version {version:?}; this replica serves {:?}",
                model.version()
            ),
        ));
    }
    Ok(model)
}

fn to_pb(c: Classification) -> pb::Classification {
    let label = match c.sentiment.label {
        Label::Negative => pb::SentimentLabel::Negative,
        Label::Neutral => pb::SentimentLabel::Neutral,
        Label::Positive => pb::SentimentLabel::Positive,
    };
    pb::Classification {
        sentiment: Some(pb::Sentiment {
            neg: c.sentiment.neg,
            neu: c.sentiment.neu,
            pos: c.sentiment.pos,
            compound: c.sentiment.compound,
            label: label.into(),
        }),
        departments: c
            .departments
            .into_iter()
            .map(|d| pb::DepartmentScore {
                id: d.id,
                confidence: d.confidence,
            })
            .collect(),
        intent: Some(pb::Intent {
            id: c.intent.id,
            confidence: c.intent.confidence,
        }),
        topics: c.topics,
        language: c.language,
        urgency: c.urgency,
        model_version: c.model_version,
        routing_reasons: c.routing_reasons,
    }
}

/// `reason_count` as a count, when in `0..=MAX_REASON_COUNT`.
/// The routing reasons asked for in `field`.
fn reason_count(requested: i32, field: &str) -> Result<usize, ClassifyError> {
    usize::try_from(requested)
        .ok()
        .filter(|&n| n <= MAX_REASON_COUNT)
        .ok_or_else(|| {
            ClassifyError::invalid(
                field,
                format!("is {requested}; it must be in 0..={MAX_REASON_COUNT}"),
            )
        })
}

fn evaluation_to_pb(e: &Evaluation) -> pb::Evaluation {
    pb::Evaluation {
        accuracy: e.accuracy,
        macro_f1: e.macro_f1,
        classes: e
            .classes
            .iter()
            .map(|m| pb::ClassMetrics {
                id: m.id.clone(),
                precision: m.precision,
                recall: m.recall,
                f1: m.f1,
                support: i64::try_from(m.support).unwrap_or(i64::MAX),
            })
            .collect(),
        example_count: i64::try_from(e.example_count).unwrap_or(i64::MAX),
    }
}

fn model_info(model: &Model) -> pb::ModelInfo {
    let meta = model.meta();
    pb::ModelInfo {
        version: meta.version.clone(),
        create_time: Some(prost_types::Timestamp {
            seconds: meta.created_unix_seconds,
            nanos: 0,
        }),
        departments: meta
            .taxonomy
            .departments
            .iter()
            .map(|d| pb::Department {
                id: d.id.clone(),
                name: d.name.clone(),
                description: d.description.clone(),
                keywords: d.keywords.clone(),
            })
            .collect(),
        intents: meta.taxonomy.intent_ids(),
        department_evaluation: meta.department_evaluation.as_ref().map(evaluation_to_pb),
        intent_evaluation: meta.intent_evaluation.as_ref().map(evaluation_to_pb),
    }
}

/// The taxonomy and examples of a `Train` request. Intents are not in the request, so they
/// are the current taxonomy's intents plus any new id the examples use (with the default
/// urgency weight).
fn train_input(
    request: pb::TrainRequest,
    current: &Taxonomy,
    limits: &Limits,
) -> Result<(Taxonomy, Vec<Example>, TrainOptions), ClassifyError> {
    if request.examples.is_empty() {
        return Err(ClassifyError::invalid("examples", "must not be empty"));
    }
    if request.examples.len() > limits.max_train_examples {
        return Err(ClassifyError::invalid(
            "examples",
            format!(
                "has {} examples; the limit is {}",
                request.examples.len(),
                limits.max_train_examples
            ),
        ));
    }
    let departments = if request.departments.is_empty() {
        current.departments.clone()
    } else {
        request
            .departments
            .into_iter()
            .map(|d| taxonomy::Department {
                id: d.id,
                name: d.name,
                description: d.description,
                keywords: d.keywords,
                examples: Vec::new(),
            })
            .collect()
    };
    let mut intents = current.intents.clone();
    let mut examples = Vec::with_capacity(request.examples.len());
    for (n, ex) in request.examples.into_iter().enumerate() {
        check_text(&ex.text, &format!("examples[{n}].text"), limits)?;
        if !ex.intent_id.is_empty() && !intents.iter().any(|i| i.id == ex.intent_id) {
            taxonomy::check_id(&ex.intent_id).map_err(|reason| {
                ClassifyError::invalid(format!("examples[{n}].intent_id"), reason)
            })?;
            intents.push(IntentDef {
                id: ex.intent_id.clone(),
                name: ex.intent_id.clone(),
                description: String::new(),
                urgency: taxonomy::DEFAULT_INTENT_URGENCY,
            });
        }
        examples.push(Example {
            text: ex.text,
            departments: ex.department_ids,
            intent: (!ex.intent_id.is_empty()).then_some(ex.intent_id),
        });
    }
    let taxonomy = Taxonomy {
        departments,
        intents,
    };
    taxonomy.validate().map_err(|e| match e {
        taxonomy::TaxonomyError::Invalid {
            entry,
            field,
            reason,
        } => ClassifyError::invalid(format!("{entry}.{field}"), reason),
        other => ClassifyError::invalid("departments", other.to_string()),
    })?;
    let holdout_fraction = if request.holdout_fraction == 0.0 {
        TrainOptions::default().holdout_fraction
    } else {
        request.holdout_fraction
    };
    let options = TrainOptions {
        holdout_fraction,
        seed: request.seed,
        ..TrainOptions::default()
    };
    Ok((taxonomy, examples, options))
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ClassifyError> + Send + 'static,
) -> Result<T, ClassifyError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ClassifyError::Internal(format!("blocking task failed: {e}")))?
}

type ResponseStream =
    Pin<Box<dyn Stream<Item = Result<pb::ClassifyStreamResponse, Status>> + Send>>;

#[tonic::async_trait]
impl ClassifyService for ClassifyGrpc {
    async fn classify(
        &self,
        request: Request<pb::ClassifyRequest>,
    ) -> Result<Response<pb::ClassifyResponse>, Status> {
        let limits = self.state.limits;
        let request = request.into_inner();
        let model = expected_model(&self.state, &request.model_version)?;
        let reasons = reason_count(request.reason_count, "reason_count")?;
        let docs = request.documents;
        if docs.is_empty() {
            return Err(ClassifyError::invalid("documents", "must not be empty").into());
        }
        if docs.len() > limits.max_batch {
            return Err(ClassifyError::invalid(
                "documents",
                format!(
                    "has {} documents; the limit is {}",
                    docs.len(),
                    limits.max_batch
                ),
            )
            .into());
        }
        let docs = docs
            .into_iter()
            .enumerate()
            .map(|(n, d)| document(d, &format!("documents[{n}]"), &limits))
            .collect::<Result<Vec<_>, _>>()?;
        let classifier = Classifier::new(model);
        let classifications: Vec<pb::Classification> = blocking(move || {
            Ok(docs
                .iter()
                .map(|d| to_pb(classifier.classify_with_reasons(d, reasons)))
                .collect())
        })
        .await?;
        classified("Classify", classifications.len());
        Ok(Response::new(pb::ClassifyResponse { classifications }))
    }

    type ClassifyStreamStream = ResponseStream;

    async fn classify_stream(
        &self,
        request: Request<Streaming<pb::ClassifyStreamRequest>>,
    ) -> Result<Response<Self::ClassifyStreamStream>, Status> {
        let limits = self.state.limits;
        let state = Arc::clone(&self.state);
        let mut inbound = request.into_inner();
        let mut n = 0usize;
        let outbound = async_stream(move |tx| async move {
            while let Some(message) = inbound.next().await {
                let field = format!("document[{n}]");
                n += 1;
                let result = message.and_then(|m| {
                    let reasons = reason_count(m.reason_count, &format!("{field}.reason_count"))
                        .map_err(Status::from)?;
                    let doc = m
                        .document
                        .ok_or_else(|| ClassifyError::invalid(field.clone(), "is missing"))
                        .and_then(|d| document(d, &field, &limits))
                        .map_err(Status::from)?;
                    let c = Classifier::new(state.model()).classify_with_reasons(&doc, reasons);
                    classified("ClassifyStream", 1);
                    Ok(pb::ClassifyStreamResponse {
                        id: doc.id.unwrap_or_default(),
                        classification: Some(to_pb(c)),
                    })
                });
                let failed = result.is_err();
                if tx.send(result).await.is_err() || failed {
                    break;
                }
            }
        });
        Ok(Response::new(outbound))
    }

    async fn train(
        &self,
        request: Request<pb::TrainRequest>,
    ) -> Result<Response<pb::TrainResponse>, Status> {
        let current = self.state.model();
        let (taxonomy, examples, options) =
            train_input(request.into_inner(), current.taxonomy(), &self.state.limits)?;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        let model =
            blocking(move || Ok(train::train(&taxonomy, &examples, &options, now)?)).await?;
        let model = Arc::new(model);
        self.state.swap(Arc::clone(&model));
        tracing::info!(
            version = model.version(),
            "trained and swapped in a new model"
        );
        Ok(Response::new(pb::TrainResponse {
            model: Some(model_info(&model)),
        }))
    }

    async fn get_model(
        &self,
        _request: Request<pb::GetModelRequest>,
    ) -> Result<Response<pb::GetModelResponse>, Status> {
        Ok(Response::new(pb::GetModelResponse {
            model: Some(model_info(&self.state.model())),
        }))
    }

    async fn explain(
        &self,
        request: Request<pb::ExplainRequest>,
    ) -> Result<Response<pb::ExplainResponse>, Status> {
        let pb::ExplainRequest {
            text,
            model_version,
        } = request.into_inner();
        let model = expected_model(&self.state, &model_version)?;
        if text.trim().is_empty() {
            return Err(ClassifyError::invalid("text", "must not be empty").into());
        }
        check_text(&text, "text", &self.state.limits)?;
        let doc = Document {
            text,
            ..Document::default()
        };
        let response = blocking(move || {
            let classification = Classifier::new(Arc::clone(&model)).classify(&doc);
            let (_, labels) = model.explain(&doc.text, EXPLAIN_TOP_FEATURES);
            Ok(pb::ExplainResponse {
                classification: Some(to_pb(classification)),
                labels: labels
                    .into_iter()
                    .map(|l| pb::LabelExplanation {
                        kind: l.kind,
                        id: l.id,
                        score: l.score,
                        features: l
                            .features
                            .into_iter()
                            .map(|f| pb::FeatureWeight {
                                feature: f.feature,
                                weight: f.weight,
                            })
                            .collect(),
                    })
                    .collect(),
            })
        })
        .await?;
        Ok(Response::new(response))
    }
}

/// A response stream fed by `produce` through a small channel, so that a slow client slows
/// the producer instead of growing a buffer.
fn async_stream<F, Fut>(produce: F) -> ResponseStream
where
    F: FnOnce(tokio::sync::mpsc::Sender<Result<pb::ClassifyStreamResponse, Status>>) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    tokio::spawn(produce(tx));
    Box::pin(tokio_stream::wrappers::ReceiverStream::new(rx))
}
