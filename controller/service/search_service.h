// nas.v1.SearchService: translates requests to calls of the stores. Stateless.
// Synchronous handlers: each one blocks on PostgreSQL, which would stall the
// callback API's shared threads.
#ifndef NAS_CONTROLLER_SERVICE_SEARCH_SERVICE_H_
#define NAS_CONTROLLER_SERVICE_SEARCH_SERVICE_H_

#include "controller/service/auth.h"
#include "controller/store/checkpoint_store.h"
#include "controller/store/job_logs.h"
#include "controller/store/search_store.h"
#include "controller/store/worker_store.h"
#include "proto/search_service.grpc.pb.h"

namespace nas {

class SearchServiceImpl final : public v1::SearchService::Service {
 public:
  // The stores the service reads and writes; each must outlive it.
  struct Stores {
    SearchStore* searches = nullptr;
    CheckpointStore* checkpoints = nullptr;
    JobLogStore* job_logs = nullptr;
    WorkerStore* workers = nullptr;
  };

  // `authorizer` must outlive the service.
  SearchServiceImpl(Stores stores, const Authorizer* authorizer)
      : store_(stores.searches),
        checkpoints_(stores.checkpoints),
        job_logs_(stores.job_logs),
        workers_(stores.workers),
        authorizer_(authorizer) {}

  grpc::Status CreateSearch(grpc::ServerContext* context, const v1::CreateSearchRequest* request,
                            v1::Search* response) override;
  grpc::Status GetSearch(grpc::ServerContext* context, const v1::GetSearchRequest* request,
                         v1::Search* response) override;
  grpc::Status ListSearches(grpc::ServerContext* context, const v1::ListSearchesRequest* request,
                            v1::ListSearchesResponse* response) override;
  grpc::Status CancelSearch(grpc::ServerContext* context, const v1::CancelSearchRequest* request,
                            v1::Search* response) override;
  grpc::Status ListIndividuals(grpc::ServerContext* context,
                               const v1::ListIndividualsRequest* request,
                               v1::ListIndividualsResponse* response) override;
  grpc::Status GetBestIndividual(grpc::ServerContext* context,
                                 const v1::GetBestIndividualRequest* request,
                                 v1::Individual* response) override;
  grpc::Status GetParetoFront(grpc::ServerContext* context,
                              const v1::GetParetoFrontRequest* request,
                              v1::GetParetoFrontResponse* response) override;
  grpc::Status GetLineage(grpc::ServerContext* context, const v1::GetLineageRequest* request,
                          v1::GetLineageResponse* response) override;
  grpc::Status DownloadCheckpoint(grpc::ServerContext* context,
                                  const v1::DownloadCheckpointRequest* request,
                                  grpc::ServerWriter<v1::CheckpointChunk>* writer) override;
  grpc::Status ListEpochProgress(grpc::ServerContext* context,
                                 const v1::ListEpochProgressRequest* request,
                                 v1::ListEpochProgressResponse* response) override;
  grpc::Status ListWorkers(grpc::ServerContext* context, const v1::ListWorkersRequest* request,
                           v1::ListWorkersResponse* response) override;
  grpc::Status ExtendSearch(grpc::ServerContext* context, const v1::ExtendSearchRequest* request,
                            v1::Search* response) override;
  grpc::Status ResumeSearch(grpc::ServerContext* context, const v1::ResumeSearchRequest* request,
                            v1::Search* response) override;
  grpc::Status RetryIndividual(grpc::ServerContext* context,
                               const v1::RetryIndividualRequest* request,
                               v1::Individual* response) override;
  grpc::Status ListJobLogs(grpc::ServerContext* context, const v1::ListJobLogsRequest* request,
                           v1::ListJobLogsResponse* response) override;

 private:
  SearchStore* const store_;
  CheckpointStore* const checkpoints_;
  JobLogStore* const job_logs_;
  WorkerStore* const workers_;
  const Authorizer* const authorizer_;
};

}  // namespace nas

#endif  // NAS_CONTROLLER_SERVICE_SEARCH_SERVICE_H_
