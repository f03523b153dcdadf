//! The tonic adapter: converts, calls [`Reports`], maps the error.

use hearken_core::Caller;
use hearken_proto::v1 as pb;
use hearken_proto::v1::report_service_server::{ReportService, ReportServiceServer};
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};

use crate::Reports;

/// The gRPC face of [`Reports`].
#[derive(Debug, Clone)]
pub struct ReportGrpc {
    reports: Reports,
}

pub fn grpc_service(reports: Reports) -> ReportServiceServer<ReportGrpc> {
    ReportServiceServer::new(ReportGrpc { reports })
}

/// The authenticated caller, when authentication is on.
fn caller<T>(request: &Request<T>) -> Option<Caller> {
    request.extensions().get::<Caller>().cloned()
}

/// How many export pieces may wait for a slow client before the reader pauses.
const EXPORT_BUFFER: usize = 4;

#[tonic::async_trait]
impl ReportService for ReportGrpc {
    #[tracing::instrument(skip_all)]
    async fn volume(
        &self,
        request: Request<pb::VolumeRequest>,
    ) -> Result<Response<pb::VolumeResponse>, Status> {
        Ok(Response::new(
            self.reports.volume(request.into_inner()).await?,
        ))
    }

    #[tracing::instrument(skip_all)]
    async fn share_of_voice(
        &self,
        request: Request<pb::ShareOfVoiceRequest>,
    ) -> Result<Response<pb::ShareOfVoiceResponse>, Status> {
        Ok(Response::new(
            self.reports.share_of_voice(request.into_inner()).await?,
        ))
    }

    #[tracing::instrument(skip_all)]
    async fn reach(
        &self,
        request: Request<pb::ReachRequest>,
    ) -> Result<Response<pb::ReachResponse>, Status> {
        Ok(Response::new(
            self.reports.reach(request.into_inner()).await?,
        ))
    }

    #[tracing::instrument(skip_all)]
    async fn top_voices(
        &self,
        request: Request<pb::TopVoicesRequest>,
    ) -> Result<Response<pb::TopVoicesResponse>, Status> {
        Ok(Response::new(
            self.reports.top_voices(request.into_inner()).await?,
        ))
    }

    #[tracing::instrument(skip_all)]
    async fn conversation_map(
        &self,
        request: Request<pb::ConversationMapRequest>,
    ) -> Result<Response<pb::ConversationMapResponse>, Status> {
        Ok(Response::new(
            self.reports.conversation_map(request.into_inner()).await?,
        ))
    }

    #[tracing::instrument(skip_all)]
    async fn list_inboxes(
        &self,
        request: Request<pb::ListInboxesRequest>,
    ) -> Result<Response<pb::ListInboxesResponse>, Status> {
        Ok(Response::new(
            self.reports.list_inboxes(caller(&request).as_ref()).await?,
        ))
    }

    #[tracing::instrument(skip_all, fields(department = %request.get_ref().department))]
    async fn inbox(
        &self,
        request: Request<pb::InboxRequest>,
    ) -> Result<Response<pb::InboxResponse>, Status> {
        Ok(Response::new(
            self.reports
                .inbox(caller(&request).as_ref(), request.into_inner())
                .await?,
        ))
    }

    #[tracing::instrument(skip_all, fields(mention_id = request.get_ref().mention_id))]
    async fn update_inbox_item(
        &self,
        request: Request<pb::UpdateInboxItemRequest>,
    ) -> Result<Response<pb::UpdateInboxItemResponse>, Status> {
        Ok(Response::new(
            self.reports
                .update_inbox_item(caller(&request).as_ref(), request.into_inner())
                .await?,
        ))
    }

    #[tracing::instrument(skip_all)]
    async fn spikes(
        &self,
        request: Request<pb::SpikesRequest>,
    ) -> Result<Response<pb::SpikesResponse>, Status> {
        Ok(Response::new(
            self.reports.spikes(request.into_inner()).await?,
        ))
    }

    #[tracing::instrument(skip_all)]
    async fn put_alert_rule(
        &self,
        request: Request<pb::PutAlertRuleRequest>,
    ) -> Result<Response<pb::PutAlertRuleResponse>, Status> {
        Ok(Response::new(
            self.reports.put_alert_rule(request.into_inner()).await?,
        ))
    }

    #[tracing::instrument(skip_all)]
    async fn list_alert_rules(
        &self,
        request: Request<pb::ListAlertRulesRequest>,
    ) -> Result<Response<pb::ListAlertRulesResponse>, Status> {
        Ok(Response::new(
            self.reports.list_alert_rules(request.into_inner()).await?,
        ))
    }

    #[tracing::instrument(skip_all)]
    async fn delete_alert_rule(
        &self,
        request: Request<pb::DeleteAlertRuleRequest>,
    ) -> Result<Response<pb::DeleteAlertRuleResponse>, Status> {
        Ok(Response::new(
            self.reports.delete_alert_rule(request.into_inner()).await?,
        ))
    }

    type ExportStream = ReceiverStream<Result<pb::ExportResponse, Status>>;

    #[tracing::instrument(skip_all)]
    async fn export(
        &self,
        request: Request<pb::ExportRequest>,
    ) -> Result<Response<Self::ExportStream>, Status> {
        let (filter, format) = self
            .reports
            .export_request(request.extensions().get::<Caller>(), request.get_ref())?;
        let (sender, receiver) = tokio::sync::mpsc::channel(EXPORT_BUFFER);
        let store = self.reports.store().clone();
        tokio::spawn(crate::export::stream(store, filter, format, sender));
        Ok(Response::new(ReceiverStream::new(receiver)))
    }
}
