"""Sandbox: a pilot-light Auto Scaling group in regions.dr (min 0, desired 0, room to grow),
launching from a launch template into a subnet of a VPC built for it."""

from __future__ import annotations

from drctl.kinds.sandboxing import SandboxBuild
from drctl.plan.models import AutoScalingGroup

CIDR = "10.20.0.0/16"  # private range, sandbox only


def build(b: SandboxBuild, res: AutoScalingGroup) -> None:
    ec2 = b.client("ec2", "dr")
    region = b.region("dr")
    vpc = ec2.create_vpc(CidrBlock=CIDR)["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24", AvailabilityZone=f"{region}a")
    image = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
    template = f"{res.dr}-lt"
    ec2.create_launch_template(
        LaunchTemplateName=template,
        LaunchTemplateData={"ImageId": image, "InstanceType": "t3.micro"},
    )
    b.client("autoscaling", "dr").create_auto_scaling_group(
        AutoScalingGroupName=res.dr,
        LaunchTemplate={"LaunchTemplateName": template, "Version": "$Latest"},
        MinSize=0,
        DesiredCapacity=0,
        MaxSize=max(res.desired, 1) * 2,
        VPCZoneIdentifier=subnet["Subnet"]["SubnetId"],
        Tags=[{**tag, "PropagateAtLaunch": True} for tag in b.tag_list()],
    )
