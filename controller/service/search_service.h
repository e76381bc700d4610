// nas.v1.SearchService: translates requests to SearchStore calls. Stateless.
// Synchronous handlers: each one blocks on PostgreSQL, which would stall the
// callback API's shared threads.
#ifndef NAS_CONTROLLER_SERVICE_SEARCH_SERVICE_H_
#define NAS_CONTROLLER_SERVICE_SEARCH_SERVICE_H_

#include "controller/service/auth.h"
#include "controller/store/checkpoint_store.h"
#include "controller/store/search_store.h"
#include "proto/search_service.grpc.pb.h"

namespace nas {

class SearchServiceImpl final : public v1::SearchService::Service {
 public:
  // `store`, `checkpoints` and `authorizer` must outlive the service.
  SearchServiceImpl(SearchStore* store, CheckpointStore* checkpoints,
                    const Authorizer* authorizer)
      : store_(store), checkpoints_(checkpoints), authorizer_(authorizer) {}

  grpc::Status CreateSearch(grpc::ServerContext* context,
                            const v1::CreateSearchRequest* request,
                            v1::Search* response) override;
  grpc::Status GetSearch(grpc::ServerContext* context,
                         const v1::GetSearchRequest* request,
                         v1::Search* response) override;
  grpc::Status ListSearches(grpc::ServerContext* context,
                            const v1::ListSearchesRequest* request,
                            v1::ListSearchesResponse* response) override;
  grpc::Status CancelSearch(grpc::ServerContext* context,
                            const v1::CancelSearchRequest* request,
                            v1::Search* response) override;
  grpc::Status ListIndividuals(grpc::ServerContext* context,
                               const v1::ListIndividualsRequest* request,
                               v1::ListIndividualsResponse* response) override;
  grpc::Status GetBestIndividual(grpc::ServerContext* context,
                                 const v1::GetBestIndividualRequest* request,
                                 v1::Individual* response) override;
  grpc::Status GetLineage(grpc::ServerContext* context,
                          const v1::GetLineageRequest* request,
                          v1::GetLineageResponse* response) override;
  grpc::Status DownloadCheckpoint(grpc::ServerContext* context,
                                  const v1::DownloadCheckpointRequest* request,
                                  grpc::ServerWriter<v1::CheckpointChunk>* writer) override;
  grpc::Status ListEpochProgress(grpc::ServerContext* context,
                                 const v1::ListEpochProgressRequest* request,
                                 v1::ListEpochProgressResponse* response) override;

 private:
  SearchStore* const store_;
  CheckpointStore* const checkpoints_;
  const Authorizer* const authorizer_;
};

}  // namespace nas

#endif  // NAS_CONTROLLER_SERVICE_SEARCH_SERVICE_H_
